-- Metric values at the grain each framework segments by (seed framework_versions.period_grain):
-- the monthly (or annual) values as published for 'month' frameworks (SOF 2016/17, NOF 2021/22),
-- and the used quarter values (int_metric_values__quarters) for 'quarter' frameworks (NOF 2025/26).
-- Scores, explanations and coverage read metric values from here, so the grain is declared once.
with

monthly as (

    select * from {{ ref('int_metric_values__trusts') }}

),

quarterly as (

    select * from {{ ref('int_metric_values__quarters') }}
    where is_used

),

final as (

    select
        'month' as period_grain,
        org_code,
        period_start,
        period_end,
        metric_id,
        numerator,
        denominator,
        value,
        unit,
        source_name,
        source_file,
        source_row
    from monthly

    union all

    select
        'quarter' as period_grain,
        org_code,
        period_start,
        period_end,
        metric_id,
        numerator,
        denominator,
        value,
        unit,
        source_name,
        source_file,
        source_row
    from quarterly

)

select * from final
