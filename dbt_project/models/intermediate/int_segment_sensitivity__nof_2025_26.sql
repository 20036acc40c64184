-- How close each NOF 2025/26 average score is to a cut point, and a likely range of the average and
-- of the rank. Published league tables carry Likely_range_of_average_score / Likely_range_of_rank but
-- not their method; here [INFER] the range is the leave-one-metric-out (jackknife) range: the lowest
-- and highest average the trust would have with any one of its metric scores left out (a trust with a
-- single metric has no range). Rank range: where those two averages would rank among the peer group's
-- averages. A trust is flagged when a cut point lies inside its range (its provisional segment could
-- change within it).
with

scores as (

    select * from {{ ref('int_metric_scores__ranked') }}
    where framework_version = 'nof_2025_26'

),

segments as (

    -- trusts with an average score (insufficient-data rows have none)
    select * from {{ ref('int_segments__nof_2025_26') }}
    where average_score is not null

),

cut_points as (

    select * from {{ ref('nof_segment_cut_points') }}
    where framework_version = 'nof_2025_26' and segment > 1

),

totals as (

    select org_code, period_start, sum(metric_score) as score_sum, count(*) as n
    from scores
    group by 1, 2

),

leave_one_out as (

    select
        scores.org_code,
        scores.period_start,
        min((totals.score_sum - scores.metric_score) / (totals.n - 1)) as low,
        max((totals.score_sum - scores.metric_score) / (totals.n - 1)) as high
    from scores
    inner join totals
        on scores.org_code = totals.org_code
        and scores.period_start = totals.period_start
    where totals.n > 1
    group by 1, 2

),

ranged as (

    select
        segments.org_code,
        segments.period_start,
        segments.framework_version,
        segments.peer_group,
        segments.average_score,
        segments.provisional_segment,
        round(coalesce(leave_one_out.low, segments.average_score), 2) as likely_average_low,
        round(coalesce(leave_one_out.high, segments.average_score), 2) as likely_average_high
    from segments
    left join leave_one_out
        on segments.org_code = leave_one_out.org_code
        and segments.period_start = leave_one_out.period_start

),

nearest_cut as (

    select distinct on (ranged.org_code, ranged.period_start)
        ranged.org_code,
        ranged.period_start,
        cut_points.lower_bound as nearest_cut_point,
        cut_points.rule_id as nearest_cut_point_rule_id,
        ranged.average_score - cut_points.lower_bound as distance_to_nearest_cut_point
    from ranged
    cross join cut_points
    order by
        ranged.org_code, ranged.period_start, abs(ranged.average_score - cut_points.lower_bound),
        cut_points.lower_bound

),

-- peers of the same period and peer group below each end of the range, one join per group rather
-- than two correlated subqueries per row over the whole CTE (those scanned every trust of every
-- period for each row: quadratic in the history; issue 14)
peer_counts as (

    select
        ranged.org_code,
        ranged.period_start,
        count(peers.org_code) filter (where peers.average_score < ranged.likely_average_low) as below_low,
        count(peers.org_code) filter (
            where peers.org_code <> ranged.org_code and peers.average_score < ranged.likely_average_high
        ) as others_below_high
    from ranged
    left join ranged as peers
        on ranged.period_start = peers.period_start
        and ranged.peer_group = peers.peer_group
    group by ranged.org_code, ranged.period_start

),

final as (

    select
        ranged.*,
        nearest_cut.nearest_cut_point,
        nearest_cut.nearest_cut_point_rule_id,
        nearest_cut.distance_to_nearest_cut_point,
        (1 + peer_counts.below_low)::integer as likely_rank_best,
        (1 + peer_counts.others_below_high)::integer as likely_rank_worst,
        exists(
            select 1 from cut_points
            where cut_points.lower_bound > ranged.likely_average_low
                and cut_points.lower_bound <= ranged.likely_average_high
        ) as segment_could_change
    from ranged
    inner join nearest_cut
        on ranged.org_code = nearest_cut.org_code
        and ranged.period_start = nearest_cut.period_start
    inner join peer_counts
        on ranged.org_code = peer_counts.org_code
        and ranged.period_start = peer_counts.period_start

)

select * from final
