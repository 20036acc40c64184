-- CQC ratings from the newest Latest-ratings workbook, one row per sheet x organisation x
-- service/population group x domain. `Key Question` (older files) arrives here as `domain`.
with

source as (

    select * from {{ source('raw', 'cqc_ratings') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

renamed as (

    select
        ---------- ids
        source.sheet as sheet_name,
        upper(trim(source.provider_id)) as org_code,
        trim(source.provider_name) as org_name,
        trim(source.location_id) as location_id,
        trim(source.location_name) as location_name,
        ---------- classification
        trim(coalesce(source.location_primary_inspection_category, source.provider_primary_inspection_category))
            as primary_inspection_category,
        trim(source.location_type) as location_type,
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
            when source.publication_date ~ '^\d{1,2}/\d{1,2}/\d{4}$' then to_date(source.publication_date, 'DD/MM/YYYY')
            else source.publication_date::date
        end as publication_date,
        trim(source.report_type) as report_type,
        upper(trim(source.inherited_rating)) = 'Y' as is_inherited_rating,
        ---------- lineage
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source

),

latest as (

    select renamed.*
    from renamed
    inner join loads
        on renamed.load_id = loads.load_id
    where loads.is_latest_file

)

select * from latest
