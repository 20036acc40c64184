-- CQC ratings from every "Latest ratings" workbook loaded (one per as-at date: the latest vintage of
-- each), one row per workbook x sheet x organisation x location x service/population group x domain.
-- `Key Question` (older files) arrives here as `domain`. Workbooks are numbered in the order they
-- are compared for rating changes (workbook_seq): by the as-at date in the file name, an undated
-- workbook (the bundled sample) before every dated one; undated workbooks are vintages of one
-- "undated" period, so only the last one loaded is kept. The newest workbook is the one
-- stg_warehouse__loads marks is_latest_file.
with

source as (

    select * from {{ validated_rows('cqc_ratings') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}
    where source_name = 'cqc' and is_latest_vintage

),

workbooks as (

    select
        load_id,
        period_start as workbook_date,
        is_latest_file as is_latest_workbook,
        row_number() over (order by period_start nulls first, load_id) as workbook_seq
    from loads

),

renamed as (

    select
        ---------- workbook
        workbooks.workbook_seq,
        workbooks.workbook_date,
        workbooks.is_latest_workbook,
        ---------- ids
        source.sheet as sheet_name,
        upper(trim(source.provider_id)) as org_code,
        trim(source.provider_name) as org_name,
        nullif(trim(source.location_id), '') as location_id,
        nullif(trim(source.location_name), '') as location_name,
        ---------- classification
        trim(coalesce(source.location_primary_inspection_category, source.provider_primary_inspection_category))
            as primary_inspection_category,
        nullif(trim(source.location_type), '') as location_type,
        nullif(trim(source.provider_type), '') as provider_type,
        trim(source.service_population_group) as service_population_group,
        trim(source.domain) as domain,
        ---------- rating
        trim(source.latest_rating) as rating,
        case trim(source.latest_rating)
            when 'Outstanding' then 1
            when 'Good' then 2
            when 'Requires improvement' then 3
            when 'Inadequate' then 4
        end as rating_score,
        case
            when trim(source.publication_date) ~ '^\d{1,2}/\d{1,2}/\d{4}$'
                then to_date(trim(source.publication_date), 'DD/MM/YYYY')
            else trim(source.publication_date)::date
        end as publication_date,
        nullif(trim(source.report_type), '') as report_type,
        coalesce(upper(trim(source.inherited_rating)) = 'Y', false) as is_inherited_rating,
        ---------- lineage
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source
    inner join workbooks
        on source._load_id = workbooks.load_id

)

select * from renamed
