-- One row per trust, period and metric: numerator, denominator and value, with the source file
-- and row they were computed from.
with

metric_values as (

    select * from {{ ref('int_metric_values__trusts') }}

),

names as (

    select org_code, org_name from {{ ref('int_organisation__names') }}

),

loads as (

    select load_id, file_sha256, loaded_at from {{ ref('stg_warehouse__loads') }}

),

final as (

    select
        ---------- keys
        metric_values.org_code,
        names.org_name,
        metric_values.period_start,
        metric_values.period_end,
        metric_values.metric_id,
        ---------- measures
        metric_values.numerator,
        metric_values.denominator,
        metric_values.value,
        metric_values.unit,
        ---------- lineage
        metric_values.source_name,
        metric_values.source_file,
        metric_values.source_row,
        metric_values.load_id,
        loads.file_sha256,
        loads.loaded_at
    from metric_values
    left join names
        on metric_values.org_code = names.org_code
    left join loads
        on metric_values.load_id = loads.load_id

)

select * from final
