-- MHSDS monthly statistics, provider rows only (BREAKDOWN 'Provider' and 'Provider; ...'), typed
-- and renamed, latest vintage of each month (a Final issue supersedes the Performance issue).
-- Suppressed values ("*") are null with is_suppressed = true: never a number.
with

source as (

    select * from {{ validated_rows('mhsds_monthly') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

renamed as (

    select
        ---------- ids
        upper(trim(source.primary_level)) as org_code,
        trim(source.primary_level_description) as org_name,
        trim(source.breakdown) as breakdown,
        coalesce(nullif(trim(source.secondary_level), ''), 'NONE') as secondary_level,
        nullif(trim(source.secondary_level_description), '') as secondary_level_description,
        trim(source.measure_id) as measure_id,
        trim(source.measure_name) as measure_name,
        ---------- period
        case
            when trim(source.reporting_period_start) ~ '^\d{4}-\d{2}-\d{2}$'
                then to_date(trim(source.reporting_period_start), 'YYYY-MM-DD')
            else to_date(trim(source.reporting_period_start), 'DD/MM/YYYY')
        end as reporting_period_start,
        case
            when trim(source.reporting_period_end) ~ '^\d{4}-\d{2}-\d{2}$'
                then to_date(trim(source.reporting_period_end), 'YYYY-MM-DD')
            else to_date(trim(source.reporting_period_end), 'DD/MM/YYYY')
        end as reporting_period_end,
        trim(source.status) as status,
        ---------- value
        trim(source.measure_value) as measure_value_text,
        trim(source.measure_value) = '*' as is_suppressed,
        case when trim(source.measure_value) <> '*' then trim(source.measure_value)::numeric end as measure_value,
        ---------- lineage
        source._period as file_period_start,
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source
    where lower(trim(source.breakdown)) = 'provider'
        or lower(trim(source.breakdown)) like 'provider;%'

),

latest as (

    select
        renamed.*,
        loads.vintage,
        loads.revision
    from renamed
    inner join loads
        on renamed.load_id = loads.load_id
    where loads.is_latest_vintage

)

select * from latest
