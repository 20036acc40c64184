-- One row per trust, period and framework version: the segment and the rule or decision that set it.
-- Every framework version is computed side by side; is_applicable_version marks the version that
-- applies to the period (seed framework_versions). NOF 2021/22 and SOF results are indicative.
with

nof_2025_26 as (

    select * from {{ ref('int_segments__nof_2025_26') }}

),

nof_2021_22 as (

    select * from {{ ref('int_segments__nof_2021_22') }}

),

sof_2016_17 as (

    select * from {{ ref('int_segments__sof_2016_17') }}

),

versions as (

    select * from {{ ref('framework_versions') }}

),

data_version as (

    -- when the newest file behind the marts was loaded: the same on a re-run with no new files
    select max(loaded_at) as data_as_of from {{ ref('stg_warehouse__loads') }}

),

unioned as (

    select
        org_code, period_start, framework_version, peer_group, average_score, metrics_scored,
        provisional_segment, is_in_deficit, segment, rule_id, rule_description, decision_id, is_indicative
    from nof_2025_26
    union all
    select
        org_code, period_start, framework_version, peer_group, null::numeric as average_score,
        null::integer as metrics_scored, provisional_segment, null::boolean as is_in_deficit, segment, rule_id,
        rule_description, decision_id, is_indicative
    from nof_2021_22
    union all
    select
        org_code, period_start, framework_version, peer_group, null::numeric as average_score,
        null::integer as metrics_scored, provisional_segment, null::boolean as is_in_deficit, segment, rule_id,
        rule_description, decision_id, is_indicative
    from sof_2016_17

),

final as (

    select
        ---------- keys
        unioned.org_code,
        unioned.period_start,
        unioned.framework_version,
        unioned.peer_group,
        ---------- measures
        unioned.average_score,
        unioned.metrics_scored,
        unioned.provisional_segment,
        unioned.is_in_deficit,
        unioned.segment,
        ---------- rule
        unioned.rule_id,
        unioned.rule_description,
        unioned.decision_id,
        unioned.is_indicative,
        unioned.period_start between versions.valid_from and versions.valid_to as is_applicable_version,
        ---------- lineage
        data_version.data_as_of
    from unioned
    inner join versions
        on unioned.framework_version = versions.framework_version
    cross join data_version

)

select * from final
