-- Single Oversight Framework 2016/17-2018/19 indicative segmentation (DOMAIN.md §3.1): segment 1 when
-- no trigger fires, segment 2 when any does (support offered). Segments 3 (mandated support, licence
-- breach) and 4 (special measures) only with a recorded regulatory decision, applied last.
with

triggers as (

    select * from {{ ref('int_triggers__sof_2016_17') }}

),

coverage_rule as (

    select * from {{ ref('coverage_rules') }}
    where framework_version = 'sof_2016_17'

),

decisions as (

    select * from {{ ref('stg_decisions__decisions') }}
    where framework_version = 'sof_2016_17'

),

peer_groups as (

    select org_code, peer_group from {{ ref('int_organisation__peer_grouped') }}

),

summarised as (

    select
        org_code,
        period_start,
        framework_version,
        count(*) filter (where is_met)::integer as triggers_fired,
        count(*)::integer as triggers_expected,
        count(*) filter (where is_met is not null)::integer as triggers_with_data,
        string_agg(evidence_text, '; ' order by rule_id) filter (where is_met is null) as missing_evidence,
        (array_agg(rule_id order by rule_id) filter (where is_met))[1] as first_rule_id,
        string_agg(evidence_text, '; ' order by rule_id) filter (where is_met) as evidence
    from triggers
    group by 1, 2, 3

),

with_decision as (

    select
        summarised.*,
        -- segment 1 needs every trigger evaluated: no segment 1 on missing data
        case when triggers_fired > 0 then 2 when triggers_with_data = triggers_expected then 1 end
            as provisional_segment,
        decision.decision_id,
        decision.segment as decision_segment
    from summarised
    {{ decision_in_force('decisions', 'summarised') }}

),

final as (

    select
        with_decision.org_code,
        with_decision.period_start,
        with_decision.framework_version,
        peer_groups.peer_group,
        triggers_fired,
        provisional_segment,
        coalesce(decision_segment, provisional_segment) as segment,
        triggers_expected as metrics_expected,
        triggers_with_data as metrics_scored,
        round(triggers_with_data::numeric / triggers_expected, 4) as coverage,
        coverage_rule.rule_id as coverage_rule_id,
        coverage_rule.min_share_of_expected,
        case
            when decision_id is not null or provisional_segment is not null then 'segmented'
            else 'insufficient_data'
        end as segment_status,
        case
            when decision_id is null and provisional_segment is null
                then 'no trigger fired but ' || (triggers_expected - triggers_with_data) || ' of '
                    || triggers_expected || ' cannot be evaluated (' || missing_evidence
                    || '): no segment 1 on missing data'
        end as status_reason,
        case
            when decision_id is null and provisional_segment is null then coverage_rule.rule_id
            else coalesce(decision_id, first_rule_id, 'sof_2016_17.single_oversight_framework.no_triggers')
        end as rule_id,
        decision_id,
        case
            when decision_id is not null
                then 'recorded decision ' || decision_id || ' sets segment ' || decision_segment
                    || ' (triggers gave ' || provisional_segment || ')'
            when triggers_fired > 0 then triggers_fired || ' trigger(s) fired: ' || with_decision.evidence
            when provisional_segment is null
                then 'insufficient data: no trigger fired, but ' || missing_evidence
            else 'no trigger fired: maximum autonomy'
        end as rule_description,
        true as is_indicative
    from with_decision
    cross join coverage_rule
    left join peer_groups
        on with_decision.org_code = peer_groups.org_code

)

select * from final
