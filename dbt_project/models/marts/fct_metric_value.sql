-- One row per trust, period and metric: numerator, denominator and value, with the source file
-- and row they were computed from.
with

metric_values as (

    select * from {{ ref('int_metric_values__trusts') }}

),

final as (

    select
        ---------- keys
        org_code,
        period_start,
        period_end,
        metric_id,
        ---------- measures
        numerator,
        denominator,
        value,
        unit,
        ---------- lineage
        source_name,
        source_file,
        source_row,
        load_id
    from metric_values

)

select * from final
