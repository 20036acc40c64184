-- NHS England's Monthly Combined Workbook, sheet Provider Level Performance: one row per provider,
-- standard (FDS, 31D, 62D), cancer type, referral route or stage and treatment modality, typed and
-- renamed; latest workbook of each month (Final supersedes Provisional; stg_cancer__month_vintages).
with

source as (

    select * from {{ validated_rows('cancer_provider_monthly') }}
    where _layout like 'cwt_monthly_combined%'

),

vintages as (

    select * from {{ ref('stg_cancer__month_vintages') }}
    where layout_family = 'combined_workbook'

),

renamed as (

    select
        ---------- ids
        upper(trim(source.org_code)) as org_code,
        trim(source.org_name) as org_name,
        trim(source.region) as region_name,
        source._period as period_start,
        ---------- standard and breakdown
        case upper(trim(source.standard))
            when 'FDS' then 'fds_28d'
            when '31D' then '31d'
            when '62D' then '62d'
        end as standard,
        trim(source.cancer_type) as cancer_type,
        trim(source.stage_route) as stage_route,
        nullif(trim(source.treatment_modality), '') as treatment_modality,
        ---------- counts (fractions kept)
        source.total::numeric as total,
        source.within_standard::numeric as within_standard,
        source.after_standard::numeric as after_standard,
        nullif(trim(source.performance), '-')::numeric as published_performance,
        source.within_14_days::numeric as within_14_days,
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
