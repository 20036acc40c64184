-- CWT-CRS provider data extract, one row per month, standard, provider, stage or route, treatment
-- modality and cancer type, typed and renamed; for each month the latest extract that covers it
-- (stg_cancer__month_vintages): a newer extract supersedes exactly the months it covers.
-- Counts keep the halves of shared pathways.
with

source as (

    select * from {{ validated_rows('cancer_provider_monthly') }}
    where _layout like 'cwt_crs_extract%'

),

vintages as (

    select * from {{ ref('stg_cancer__month_vintages') }}
    where layout_family = 'data_extract'

),

renamed as (

    select
        ---------- ids
        upper(trim(source.org_code)) as org_code,
        trim(source.row_period)::date as period_start,
        ---------- standard and breakdown
        case trim(source.standard)
            when '28-day FDS' then 'fds_28d'
            when '31-day Combined' then '31d'
            when '62-day Combined' then '62d'
        end as standard,
        trim(source.standard) as published_standard,
        trim(source.financial_year) as financial_year,
        trim(source.stage_route) as stage_route,
        nullif(trim(source.treatment_modality), '') as treatment_modality,
        trim(source.cancer_type) as cancer_type,
        ---------- counts (fractions kept)
        source.total::numeric as total,
        source.within_standard::numeric as within_standard,
        source.after_standard::numeric as after_standard,
        ---------- lineage
        source._layout as layout_name,
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source

),

latest as (

    select
        renamed.*,
        vintages.month_vintage as vintage,
        vintages.revision
    from renamed
    inner join vintages
        on
        renamed.load_id = vintages.load_id
        and renamed.period_start = vintages.period_start
    where vintages.is_latest_of_layout

)

select * from latest
