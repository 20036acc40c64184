-- The metric catalogue (seed metric_catalogue): one row per metric.
with

catalogue as (

    select * from {{ ref('metric_catalogue') }}

),

final as (

    select
        metric_id,
        metric_name,
        nof_metric_id,
        domain,
        polarity,
        standard,
        unit,
        peer_groups,
        source as source_name,
        framework_versions,
        definition,
        evidence,
        coalesce(is_sourced, true) as is_sourced,
        quarter_rule,
        max_age_months::integer as max_age_months,
        quarter_rule_evidence
    from catalogue

)

select * from final
