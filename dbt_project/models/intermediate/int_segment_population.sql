-- Every trust and period that has at least one metric value: the organisations each framework
-- version segments for that period.
with

metric_values as (

    select * from {{ ref('int_metric_values__trusts') }}

),

final as (

    select
        org_code,
        period_start,
        max(period_end) as period_end,
        count(distinct metric_id)::integer as metrics_with_values
    from metric_values
    group by 1, 2

)

select * from final
