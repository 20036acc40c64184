-- NOF 2025/26 automated segmentation per trust and quarter, step by step (methodology manual;
-- DOMAIN.md §3.3), with its coverage and status:
--   1. average of ALL the trust's metric scores of the quarter (not of domain scores)
--   2. provisional segment: the highest cut point (seed nof_segment_cut_points) the rounded average reaches
--   3. deficit adjustment (seed nof_adjustments): in deficit or receiving deficit support -> 1 or 2
--      becomes 3. The finance position is the one at the quarter end; a missing position is unknown
--      (null), never "not in deficit": the cap cannot be applied and the status says so.
--   4. recorded decisions (stg_decisions__decisions) are applied last: segment 5 only by decision
-- Status (seed coverage_rules): `segmented` when at least min_share_of_expected of the metrics the
-- framework scores for the peer group were scored (int_segment_coverage__domains, unsourced metrics
-- included), in every domain when require_every_domain, and the deficit cap is decidable;
-- `indicative` below that with at least one metric scored (segment shown with its likely range,
-- no league rank); `insufficient_data` otherwise (segment null).
-- Likely range: the segments the average would reach if every missing metric scored 1.00 (best) or
-- 4.00 (worst), after the deficit cap (unknown finance: the worst end is at least 3).
with

scores as (

    select * from {{ ref('int_metric_scores__ranked') }}
    where framework_version = 'nof_2025_26'

),

domain_coverage as (

    select * from {{ ref('int_segment_coverage__domains') }}
    where framework_version = 'nof_2025_26'

),

coverage_rule as (

    select * from {{ ref('coverage_rules') }}
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

coverage as (

    select
        org_code,
        period_start,
        max(period_end) as period_end,
        framework_version,
        peer_group,
        sum(metrics_expected)::integer as metrics_expected,
        sum(metrics_scored)::integer as metrics_scored,
        count(*)::integer as domains_expected,
        (count(*) filter (where metrics_scored > 0))::integer as domains_scored,
        string_agg(domain, '; ' order by domain) filter (where metrics_scored = 0) as domains_missing,
        string_agg(metrics_missing, '; ' order by domain) as metrics_missing
    from domain_coverage
    group by org_code, period_start, framework_version, peer_group

),

averaged as (

    select
        org_code,
        period_start,
        round(avg(metric_score), 2) as average_score,
        sum(metric_score) as score_sum
    from scores
    group by 1, 2

),

provisional as (

    select
        coverage.*,
        round(coverage.metrics_scored::numeric / nullif(coverage.metrics_expected, 0), 4) as coverage,
        coverage_rule.rule_id as coverage_rule_id,
        coverage_rule.min_share_of_expected,
        coverage_rule.require_every_domain::boolean as require_every_domain,
        averaged.average_score,
        cut.segment as provisional_segment,
        cut.rule_id as cut_point_rule_id,
        cut.lower_bound as cut_point,
        {{ segment_for_average(
            'round((averaged.score_sum + 1.0 * (coverage.metrics_expected - coverage.metrics_scored)) / coverage.metrics_expected, 2)',
            'cut_points', 'coverage.framework_version', 'coverage.peer_group') }} as best_case_segment,
        {{ segment_for_average(
            'round((averaged.score_sum + 4.0 * (coverage.metrics_expected - coverage.metrics_scored)) / coverage.metrics_expected, 2)',
            'cut_points', 'coverage.framework_version', 'coverage.peer_group') }} as worst_case_segment
    from coverage
    cross join coverage_rule
    left join averaged
        on coverage.org_code = averaged.org_code
        and coverage.period_start = averaged.period_start
    left join lateral (
        select *
        from cut_points
        where cut_points.framework_version = coverage.framework_version
            and cut_points.peer_group in (coverage.peer_group, 'all')
            and averaged.average_score >= cut_points.lower_bound
        order by cut_points.lower_bound desc
        limit 1
    ) as cut on true

),

with_deficit as (

    select
        provisional.*,
        -- the position at the quarter end: the quarter's last month (a quarterly position covers it)
        flags.is_deficit_flag as is_in_deficit,
        flags.is_deficit_flag is null as is_deficit_flag_missing,
        case
            when flags.is_deficit_flag is null then 'unknown'
            when flags.is_deficit_flag then 'in_deficit'
            else 'not_in_deficit'
        end as deficit_status,
        flags.source_file as deficit_source_file,
        flags.source_row as deficit_source_row,
        provisional.provisional_segment::text = any(string_to_array(deficit_rule.applies_to_segments, ';'))
            as is_cap_relevant,
        deficit_rule.applies_to_segments as cap_applies_to_segments,
        deficit_rule.result_segment::integer as cap_result_segment,
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
        and date_trunc('month', provisional.period_end)::date = flags.period_start
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

with_status as (

    select
        with_decision.*,
        case
            when metrics_scored = 0 then 'insufficient_data'
            when coverage >= min_share_of_expected
                and (not require_every_domain or domains_scored = domains_expected)
                and not (deficit_status = 'unknown' and is_cap_relevant)
                then 'segmented'
            else 'indicative'
        end as segment_status
    from with_decision

),

final as (

    select
        org_code,
        period_start,
        period_end,
        framework_version,
        peer_group,
        average_score,
        metrics_scored,
        metrics_expected,
        coverage,
        domains_expected,
        domains_scored,
        domains_missing,
        metrics_missing,
        coverage_rule_id,
        min_share_of_expected,
        require_every_domain,
        segment_status,
        case
            when segment_status = 'segmented' then null
            when segment_status = 'insufficient_data'
                then 'no metric of the ' || metrics_expected || ' the framework scores for peer group '
                    || peer_group || ' was scored: ' || coalesce(metrics_missing, '')
            else concat_ws(
                    '; ',
                    case when coverage < min_share_of_expected
                            then metrics_scored || ' of ' || metrics_expected || ' metrics scored ('
                                || round(100 * coverage) || ' %), below the minimum of '
                                || round(100 * min_share_of_expected) || ' % (' || coverage_rule_id || ')'
                    end,
                    case when require_every_domain and domains_scored < domains_expected
                            then 'no metric scored in ' || domains_missing
                    end,
                    case when deficit_status = 'unknown' and is_cap_relevant
                            then 'no finance position at the quarter end: the deficit cap cannot be applied to segment '
                                || provisional_segment
                    end
                )
        end as status_reason,
        provisional_segment,
        cut_point,
        cut_point_rule_id,
        is_in_deficit,
        is_deficit_flag_missing,
        deficit_status,
        deficit_rule_id,
        cap_result_segment,
        deficit_source_file,
        deficit_source_row,
        adjusted_segment,
        decision_id,
        case
            -- a recorded decision is firm whatever the data; otherwise no segment on insufficient data
            when decision_id is not null then decision_segment
            when segment_status = 'insufficient_data' then null
            else adjusted_segment
        end as segment,
        case
            when decision_id is not null then decision_segment
            when segment_status = 'insufficient_data' then null
            when is_in_deficit and best_case_segment::text = any(string_to_array(cap_applies_to_segments, ';'))
                then cap_result_segment
            else best_case_segment
        end as segment_range_low,
        case
            when decision_id is not null then decision_segment
            when segment_status = 'insufficient_data' then null
            when (is_in_deficit or deficit_status = 'unknown')
                and worst_case_segment::text = any(string_to_array(cap_applies_to_segments, ';'))
                then cap_result_segment
            else worst_case_segment
        end as segment_range_high,
        case
            when decision_id is not null then decision_id
            when segment_status = 'insufficient_data' then coverage_rule_id
            else coalesce(deficit_rule_id, cut_point_rule_id)
        end as rule_id,
        case
            when decision_id is not null and segment_status = 'insufficient_data'
                then 'recorded decision ' || decision_id || ' sets segment ' || decision_segment
                    || ' (no metric scored)'
            when segment_status = 'insufficient_data'
                then 'insufficient data: no metric scored (' || coverage_rule_id || ')'
            when decision_id is not null
                then 'recorded decision ' || decision_id || ' sets segment ' || decision_segment
                    || ' (rules gave ' || adjusted_segment || ')'
            when deficit_rule_id is not null
                then 'average ' || to_char(average_score, 'FM0.00') || ' gives provisional segment '
                    || provisional_segment || '; in deficit or receiving deficit support, so capped at '
                    || cap_result_segment || ' ('
                    || deficit_rule_id || ')'
            else 'average of ' || metrics_scored || ' metric score(s) ' || to_char(average_score, 'FM0.00')
                || ' is at or above the segment ' || provisional_segment || ' cut point '
                || to_char(cut_point, 'FM0.00') || ' (' || cut_point_rule_id || ')'
        end as rule_description,
        segment_status <> 'segmented' as is_indicative
    from with_status

)

select * from final
