-- NOF 2025/26 automated segmentation, step by step (methodology manual; DOMAIN.md §3.3):
--   1. average of ALL the trust's metric scores (not of domain scores)
--   2. provisional segment: the highest cut point (seed nof_segment_cut_points) the rounded average reaches
--   3. deficit adjustment (seed nof_adjustments): in deficit or receiving deficit support -> 1 or 2 becomes 3
--   4. recorded decisions (stg_decisions__decisions) are applied last: segment 5 only by decision
with

scores as (

    select * from {{ ref('int_metric_scores__ranked') }}
    where framework_version = 'nof_2025_26'

),

cut_points as (

    select * from {{ ref('nof_segment_cut_points') }}

),

deficit_rule as (

    select * from {{ ref('nof_adjustments') }}
    where framework_version = 'nof_2025_26' and adjustment = 'deficit_cap'

),

deficit_flags as (

    select * from {{ ref('int_finance__deficit_flags') }}

),

decisions as (

    select * from {{ ref('stg_decisions__decisions') }}
    where framework_version = 'nof_2025_26'

),

averaged as (

    select
        org_code,
        period_start,
        framework_version,
        peer_group,
        round(avg(metric_score), 2) as average_score,
        count(*)::integer as metrics_scored
    from scores
    group by 1, 2, 3, 4

),

provisional as (

    select
        averaged.*,
        cut.segment as provisional_segment,
        cut.rule_id as cut_point_rule_id,
        cut.lower_bound as cut_point
    from averaged
    cross join lateral (
        select *
        from cut_points
        where cut_points.framework_version = averaged.framework_version
            and cut_points.peer_group in (averaged.peer_group, 'all')
            and averaged.average_score >= cut_points.lower_bound
        order by cut_points.lower_bound desc
        limit 1
    ) as cut

),

with_deficit as (

    select
        provisional.*,
        coalesce(flags.is_deficit_flag, false) as is_in_deficit,
        flags.is_deficit_flag is null as is_deficit_flag_missing,
        flags.source_file as deficit_source_file,
        flags.source_row as deficit_source_row,
        case
            when flags.is_deficit_flag
                and provisional.provisional_segment::text = any(string_to_array(deficit_rule.applies_to_segments, ';'))
                then deficit_rule.result_segment::integer
            else provisional.provisional_segment
        end as adjusted_segment,
        case
            when flags.is_deficit_flag
                and provisional.provisional_segment::text = any(string_to_array(deficit_rule.applies_to_segments, ';'))
                then deficit_rule.rule_id
        end as deficit_rule_id
    from provisional
    left join deficit_flags as flags
        on provisional.org_code = flags.org_code
        and provisional.period_start = flags.period_start
    cross join deficit_rule

),

with_decision as (

    select
        with_deficit.*,
        decision.decision_id,
        decision.segment as decision_segment
    from with_deficit
    {{ decision_in_force('decisions', 'with_deficit') }}

),

final as (

    select
        org_code,
        period_start,
        framework_version,
        peer_group,
        average_score,
        metrics_scored,
        provisional_segment,
        cut_point,
        cut_point_rule_id,
        is_in_deficit,
        is_deficit_flag_missing,
        deficit_rule_id,
        deficit_source_file,
        deficit_source_row,
        adjusted_segment,
        decision_id,
        coalesce(decision_segment, adjusted_segment) as segment,
        coalesce(decision_id, deficit_rule_id, cut_point_rule_id) as rule_id,
        case
            when decision_id is not null
                then 'recorded decision ' || decision_id || ' sets segment ' || decision_segment
                    || ' (rules gave ' || adjusted_segment || ')'
            when deficit_rule_id is not null
                then 'average ' || to_char(average_score, 'FM0.00') || ' gives provisional segment '
                    || provisional_segment || '; in deficit or receiving deficit support, so capped at 3 ('
                    || deficit_rule_id || ')'
            else 'average of ' || metrics_scored || ' metric score(s) ' || to_char(average_score, 'FM0.00')
                || ' is at or above the segment ' || provisional_segment || ' cut point '
                || to_char(cut_point, 'FM0.00') || ' (' || cut_point_rule_id || ')'
        end as rule_description,
        false as is_indicative
    from with_decision

)

select * from final
