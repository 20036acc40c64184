-- One row per trust, period and framework version: the segment and the rule that set it.
-- Every framework version is computed side by side; is_applicable_version marks the version that
-- applies to the period (seed framework_versions).
with

nof_2025_26 as (

    select * from {{ ref('int_segments__nof_2025_26') }}

),

versions as (

    select * from {{ ref('framework_versions') }}

),

final as (

    select
        ---------- keys
        segments.org_code,
        segments.period_start,
        segments.framework_version,
        segments.peer_group,
        ---------- measures
        segments.average_score,
        segments.metrics_scored,
        segments.provisional_segment,
        segments.segment,
        ---------- rule
        segments.rule_id,
        segments.rule_description,
        segments.cut_point,
        segments.rule_source_document,
        segments.period_start between versions.valid_from and versions.valid_to as is_applicable_version
    from nof_2025_26 as segments
    inner join versions
        on segments.framework_version = versions.framework_version

)

select * from final
