-- Every trust and period with a value of at least one metric that some framework version uses
-- (scored in seed framework_metrics, or a trigger's metric in seed segmentation_triggers): the
-- organisations segmented that period. Context-only metrics (e.g. the staff survey rates) do not
-- create a segment on their own.
with

used_metrics as (

    select metric_id from {{ ref('framework_metrics') }}
    union
    select parameter as metric_id from {{ ref('segmentation_triggers') }}
    where trigger_id = 'operational_standard_missed'

),

metric_values as (

    select * from {{ ref('int_metric_values__trusts') }}
    where metric_id in (select metric_id from used_metrics)

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
