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

coverage as (

    select
        org_code,
        period_start,
        sum(metrics_expected)::integer as metrics_expected,
        sum(metrics_scored)::integer as metrics_scored,
        string_agg(metrics_missing, '; ' order by domain) as metrics_missing
    from {{ ref('int_segment_coverage__domains') }}
    where framework_version = 'nof_2021_22'
    group by 1, 2

),

coverage_rule as (

    select * from {{ ref('coverage_rules') }}
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
        coalesce(bool_and(is_met) filter (where candidate_segment = 1), false) as meets_segment_1_criteria,
        coalesce(bool_or(is_met is null) filter (where candidate_segment = 3), false) as has_unknown_segment_3_trigger,
        string_agg(evidence_text, '; ' order by rule_id) filter (where candidate_segment = 3 and is_met is null)
            as unknown_trigger_evidence,
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

with_status as (

    select
        with_decision.*,
        coalesce(coverage.metrics_expected, 0) as metrics_expected,
        coalesce(coverage.metrics_scored, 0) as metrics_scored,
        round(coverage.metrics_scored::numeric / nullif(coverage.metrics_expected, 0), 4) as coverage,
        coverage.metrics_missing,
        coverage_rule.rule_id as coverage_rule_id,
        coverage_rule.min_share_of_expected,
        case
            -- a fired segment 3 trigger (finance, CQC Inadequate, lower-quartile metrics) stands whatever is missing
            when coalesce(with_decision.has_segment_3_trigger, false) then 'segmented'
            when coverage.metrics_scored::numeric / nullif(coverage.metrics_expected, 0)
                >= coverage_rule.min_share_of_expected
                and not with_decision.has_unknown_segment_3_trigger then 'segmented'
            when coalesce(coverage.metrics_scored, 0) > 0 then 'indicative'
            else 'insufficient_data'
        end as segment_status
    from with_decision
    cross join coverage_rule
    left join coverage
        on with_decision.org_code = coverage.org_code
        and with_decision.period_start = coverage.period_start

),

final as (

    select
        with_decision.org_code,
        with_decision.period_start,
        with_decision.framework_version,
        peer_groups.peer_group,
        provisional_segment,
        case
            when decision_id is not null then decision_segment
            when segment_status <> 'insufficient_data' then provisional_segment
        end as segment,
        metrics_expected,
        metrics_scored,
        coverage,
        coverage_rule_id,
        min_share_of_expected,
        segment_status,
        case
            when segment_status = 'insufficient_data'
                then 'no metric of the ' || metrics_expected || ' NOF 2021/22 scores for the peer group has a value'
                    || ' and no segment 3 trigger fired: no default segment 2 on missing data'
            when segment_status = 'indicative'
                then concat_ws(
                        '; ',
                        case when coalesce(coverage, 0) < min_share_of_expected
                                then metrics_scored || ' of ' || metrics_expected
                                    || ' metrics scored, below the minimum of '
                                    || round(100 * min_share_of_expected) || ' % (' || coverage_rule_id || ')'
                        end,
                        case when has_unknown_segment_3_trigger
                                then 'a segment 3 trigger cannot be evaluated: ' || unknown_trigger_evidence
                        end
                    )
        end as status_reason,
        case
            when decision_id is null and segment_status = 'insufficient_data' then coverage_rule_id
            else coalesce(decision_id, trigger_rule_id)
        end as rule_id,
        decision_id,
        case
            when decision_id is not null
                then 'recorded decision ' || decision_id || ' sets segment ' || decision_segment
                    || ' (triggers gave ' || provisional_segment || ')'
            when segment_status = 'insufficient_data' then 'insufficient data: ' || metrics_missing
            when provisional_segment = 3 then 'segment 3 candidate: ' || segment_3_evidence
            when provisional_segment = 1 then 'segment 1 candidate: every segment 1 criterion met'
            else 'default segment 2: no segment 3 trigger fired and not every segment 1 criterion met'
        end as rule_description,
        true as is_indicative
    from with_status as with_decision
    left join peer_groups
        on with_decision.org_code = peer_groups.org_code

)

select * from final
