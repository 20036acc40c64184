-- One row per trust, period and metric: numerator, denominator and value, with the source file
-- and row they were computed from.
with

metric_values as (

    select * from {{ ref('int_metric_values__trusts') }}

),

names as (

    select org_code, org_name from {{ ref('int_organisation__names') }}

),

final as (

    select
        ---------- keys
        org_code,
        org_name,
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
    left join names using (org_code)

)

select * from final
