-- NOF 2021/22-2024/25 indicative segmentation (DOMAIN.md §3.2): every organisation starts in
-- segment 2; a segment 3 trigger that fires makes it a segment 3 candidate; meeting every
-- segment 1 criterion (and no segment 3 trigger) makes it a segment 1 candidate. Segment 4 (Recovery
-- Support Programme) only by recorded decision, applied last. Results are indicative: the real
-- segments were judgements (foundation trusts also needed a licence breach for 3 or 4).
with

triggers as (

    select * from {{ ref('int_triggers__nof_2021_22') }}

),

decisions as (

    select * from {{ ref('stg_decisions__decisions') }}
    where framework_version = 'nof_2021_22'

),

peer_groups as (

    select org_code, peer_group from {{ ref('int_organisation__peer_grouped') }}

),

summarised as (

    select
        org_code,
        period_start,
        framework_version,
        bool_or(is_met) filter (where candidate_segment = 3) as has_segment_3_trigger,
        bool_and(is_met) filter (where candidate_segment = 1) as meets_segment_1_criteria,
        (array_agg(rule_id order by rule_id) filter (where candidate_segment = 3 and is_met))[1]
            as first_segment_3_rule_id,
        string_agg(evidence_text, '; ' order by rule_id) filter (where candidate_segment = 3 and is_met)
            as segment_3_evidence,
        (array_agg(rule_id order by rule_id) filter (where candidate_segment = 1))[1] as first_segment_1_rule_id,
        (array_agg(rule_id) filter (where trigger_id = 'default'))[1] as default_rule_id
    from triggers
    group by 1, 2, 3

),

ruled as (

    select
        summarised.*,
        case
            when has_segment_3_trigger then 3
            when meets_segment_1_criteria then 1
            else 2
        end as provisional_segment,
        case
            when has_segment_3_trigger then first_segment_3_rule_id
            when meets_segment_1_criteria then first_segment_1_rule_id
            else default_rule_id
        end as trigger_rule_id
    from summarised

),

with_decision as (

    select
        ruled.*,
        decision.decision_id,
        decision.segment as decision_segment
    from ruled
    {{ decision_in_force('decisions', 'ruled') }}

),

final as (

    select
        with_decision.org_code,
        with_decision.period_start,
        with_decision.framework_version,
        peer_groups.peer_group,
        provisional_segment,
        coalesce(decision_segment, provisional_segment) as segment,
        coalesce(decision_id, trigger_rule_id) as rule_id,
        decision_id,
        case
            when decision_id is not null
                then 'recorded decision ' || decision_id || ' sets segment ' || decision_segment
                    || ' (triggers gave ' || provisional_segment || ')'
            when provisional_segment = 3 then 'segment 3 candidate: ' || segment_3_evidence
            when provisional_segment = 1 then 'segment 1 candidate: every segment 1 criterion met'
            else 'default segment 2: no segment 3 trigger fired and not every segment 1 criterion met'
        end as rule_description,
        true as is_indicative
    from with_decision
    left join peer_groups
        on with_decision.org_code = peer_groups.org_code

)

select * from final
