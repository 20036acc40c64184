-- The path to the next segment, per trust, period and framework version (NOF 2025/26, the automated
-- framework): the smallest metric improvements that would take the rounded average below the cut point
-- of the trust's segment (seed nof_segment_cut_points), computed from the same metric scores and peer
-- ranks as the segment itself. A metric improves by matching the value of a better-ranked peer: the
-- trust then shares that peer's competition rank and score [INFER: the other trusts' values stay as
-- they are]. When no metric change can lift the segment, the row names what holds it: the deficit cap
-- (seed nof_adjustments) or a recorded decision.
--   path_status  already_segment_1 | one_metric (one row per metric that alone is enough, smallest
--                first) | several_metrics (no single metric is enough: the fewest metrics, worst
--                scored first, each taken to the best value in the peer group) | held_by_deficit_cap |
--                held_by_decision | not_reachable | no_segment
with

segments as (

    select
        org_code, period_start, framework_version, peer_group, segment, provisional_segment, average_score,
        is_in_deficit, decision_id
    from {{ ref('fct_segment') }}
    where framework_version = 'nof_2025_26'

),

scores as (

    select
        org_code, period_start, framework_version, peer_group, metric_id, value, rank_in_peer_group,
        peers_in_group, metric_score
    from {{ ref('fct_metric_score') }}
    where framework_version = 'nof_2025_26'

),

cut_points as (

    select * from {{ ref('nof_segment_cut_points') }}

),

deficit_rule as (

    select * from {{ ref('nof_adjustments') }}
    where framework_version = 'nof_2025_26' and adjustment = 'deficit_cap'

),

totals as (

    select org_code, period_start, framework_version, sum(metric_score) as score_sum, count(*)::integer as n
    from scores
    group by 1, 2, 3

),

targets as (

    select
        segments.*,
        totals.score_sum,
        totals.n as metrics_scored,
        segments.segment - 1 as target_segment,
        cut.lower_bound as target_cut_point,
        cut.rule_id as target_cut_point_rule_id,
        deficit_rule.rule_id as deficit_rule_id,
        deficit_rule.result_segment::integer as cap_result_segment,
        case
            when segments.segment is null or totals.n is null then 'no_segment'
            when segments.decision_id is not null then 'held_by_decision'
            when segments.segment = 1 then 'already_segment_1'
            when segments.is_in_deficit
                and (segments.segment - 1)::text = any(string_to_array(deficit_rule.applies_to_segments, ';'))
                and deficit_rule.result_segment::integer >= segments.segment
                then 'held_by_deficit_cap'
            else 'metric_change'
        end as status
    from segments
    left join totals
        on segments.org_code = totals.org_code
        and segments.period_start = totals.period_start
        and segments.framework_version = totals.framework_version
    left join deficit_rule
        on true
    left join lateral (
        select cut_points.lower_bound, cut_points.rule_id
        from cut_points
        where cut_points.framework_version = segments.framework_version
            and cut_points.segment = least(segments.segment, segments.provisional_segment)
            and cut_points.peer_group in (segments.peer_group, 'all')
        order by cut_points.peer_group = 'all'
        limit 1
    ) as cut on true

),

-- the metric scores of the trusts a metric change could lift, with their score sum and cut point,
-- joined once for pairs and best_peer. Materialised: on the ten-year warehouse (14,163 rows, the
-- same both ways) the model's select took 2.94 s with the join written in both, 5.5 s with this
-- CTE inlined into each (not materialized) and 1.80 s materialised (explain analyze, twice each)
candidate_scores as materialized (

    select
        own.org_code,
        own.period_start,
        own.framework_version,
        own.peer_group,
        own.metric_id,
        own.value,
        own.rank_in_peer_group,
        own.metric_score,
        targets.score_sum,
        targets.metrics_scored,
        targets.target_cut_point
    from targets
    inner join scores as own
        on targets.org_code = own.org_code
        and targets.period_start = own.period_start
        and targets.framework_version = own.framework_version
    where targets.status = 'metric_change'

),

-- every better-ranked peer value a metric could match and the average that would give: narrow rows
-- (keys, the peer and the new average only), read once, never materialised. Ten national years give
-- 1.2 M such pairs; as wide rows with a window over each trust (whether any single metric is enough)
-- they took 5.6 of the model's 6.4 s (explain analyze), mostly sorting and buffering them.
pairs as (

    select
        own.org_code,
        own.period_start,
        own.framework_version,
        own.metric_id,
        peer.org_code as matched_org_code,
        peer.rank_in_peer_group as target_rank,
        round((own.score_sum - own.metric_score + peer.metric_score) / own.metrics_scored, 2)
            as new_average_score,
        own.target_cut_point as segment_cut_point
    from candidate_scores as own
    inner join scores as peer
        on own.period_start = peer.period_start
        and own.framework_version = peer.framework_version
        and own.peer_group = peer.peer_group
        and own.metric_id = peer.metric_id
        and own.org_code <> peer.org_code
        and own.rank_in_peer_group > peer.rank_in_peer_group

),

-- per metric, the smallest improvement that alone is enough (the worst-ranked peer value to match)
one_metric_pick as (

    select distinct on (org_code, period_start, framework_version, metric_id)
        org_code, period_start, framework_version, metric_id, matched_org_code, new_average_score
    from pairs
    where new_average_score < segment_cut_point
    order by org_code, period_start, framework_version, metric_id, target_rank desc, matched_org_code

),

one_metric as (

    select
        pick.org_code,
        pick.period_start,
        pick.framework_version,
        pick.metric_id,
        own.value as current_value,
        own.rank_in_peer_group as current_rank,
        own.metric_score as current_score,
        pick.matched_org_code,
        peer.value as target_value,
        peer.rank_in_peer_group as target_rank,
        peer.metric_score as target_score,
        pick.new_average_score
    from one_metric_pick as pick
    inner join scores as own
        on pick.org_code = own.org_code
        and pick.period_start = own.period_start
        and pick.framework_version = own.framework_version
        and pick.metric_id = own.metric_id
    inner join scores as peer
        on pick.matched_org_code = peer.org_code
        and pick.period_start = peer.period_start
        and pick.framework_version = peer.framework_version
        and pick.metric_id = peer.metric_id

),

-- trusts for which some single metric change is enough
reaching_trusts as (

    select distinct org_code, period_start, framework_version
    from one_metric_pick

),

-- the best value of each metric in each peer group (best rank, then org code): the best better-ranked
-- peer of every trust ranked below it
group_best as (

    select distinct on (period_start, framework_version, peer_group, metric_id)
        period_start, framework_version, peer_group, metric_id, org_code, value, rank_in_peer_group,
        metric_score
    from scores
    order by period_start, framework_version, peer_group, metric_id, rank_in_peer_group, org_code

),

-- no single metric is enough: the fewest metrics (largest possible gain first), each to the best peer
best_peer as (

    select
        own.org_code,
        own.period_start,
        own.framework_version,
        own.metric_id,
        own.value as current_value,
        own.rank_in_peer_group as current_rank,
        own.metric_score as current_score,
        best.org_code as matched_org_code,
        best.value as target_value,
        best.rank_in_peer_group as target_rank,
        best.metric_score as target_score
    from candidate_scores as own
    inner join group_best as best
        on own.period_start = best.period_start
        and own.framework_version = best.framework_version
        and own.peer_group = best.peer_group
        and own.metric_id = best.metric_id
        and own.rank_in_peer_group > best.rank_in_peer_group
    left join reaching_trusts
        on own.org_code = reaching_trusts.org_code
        and own.period_start = reaching_trusts.period_start
        and own.framework_version = reaching_trusts.framework_version
    where reaching_trusts.org_code is null

),

cumulative as (

    select
        best_peer.*,
        row_number() over w as gain_order,
        round(
            (targets.score_sum - sum(best_peer.current_score - best_peer.target_score) over w)
            / targets.metrics_scored, 2
        ) as cumulative_average,
        targets.target_cut_point
    from best_peer
    inner join targets
        on best_peer.org_code = targets.org_code
        and best_peer.period_start = targets.period_start
        and best_peer.framework_version = targets.framework_version
    window w as (
        partition by best_peer.org_code, best_peer.period_start, best_peer.framework_version
        order by best_peer.current_score - best_peer.target_score desc, best_peer.metric_id
        rows between unbounded preceding and current row
    )

),

several_needed as (

    select org_code, period_start, framework_version, min(gain_order) as metrics_needed
    from cumulative
    where cumulative_average < target_cut_point
    group by 1, 2, 3

),

several_metrics as (

    select cumulative.*, several_needed.metrics_needed
    from cumulative
    inner join several_needed
        on cumulative.org_code = several_needed.org_code
        and cumulative.period_start = several_needed.period_start
        and cumulative.framework_version = several_needed.framework_version
        and cumulative.gain_order <= several_needed.metrics_needed

),

metric_rows as (

    select
        org_code, period_start, framework_version, 'one_metric' as path_status,
        row_number() over (
            partition by org_code, period_start, framework_version
            order by current_rank - target_rank, current_score - target_score, metric_id
        )::integer as path_order,
        metric_id, current_value, current_rank, current_score, matched_org_code, target_value, target_rank,
        target_score, new_average_score
    from one_metric
    union all
    select
        org_code, period_start, framework_version, 'several_metrics' as path_status,
        gain_order::integer as path_order,
        metric_id, current_value, current_rank, current_score, matched_org_code, target_value, target_rank,
        target_score, cumulative_average as new_average_score
    from several_metrics

),

status_rows as (

    select
        targets.org_code, targets.period_start, targets.framework_version,
        case
            when targets.status <> 'metric_change' then targets.status
            else 'not_reachable'
        end as path_status,
        1 as path_order,
        null::text as metric_id, null::numeric as current_value, null::integer as current_rank,
        null::numeric as current_score, null::text as matched_org_code, null::numeric as target_value,
        null::integer as target_rank, null::numeric as target_score, null::numeric as new_average_score
    from targets
    where targets.status <> 'metric_change'
        or not exists (
            select 1 from metric_rows
            where metric_rows.org_code = targets.org_code
                and metric_rows.period_start = targets.period_start
                and metric_rows.framework_version = targets.framework_version
        )

),

paths as (

    select * from metric_rows
    union all
    select * from status_rows

),

final as (

    select
        ---------- keys
        paths.org_code,
        paths.period_start,
        paths.framework_version,
        paths.path_order,
        ---------- where the trust is
        targets.peer_group,
        targets.segment,
        targets.provisional_segment,
        targets.average_score,
        targets.metrics_scored,
        ---------- where it could go
        paths.path_status,
        case when paths.path_status in ('one_metric', 'several_metrics') then targets.target_segment end
            as target_segment,
        case when targets.segment > 1 then targets.target_cut_point end as target_cut_point,
        case when targets.segment > 1 then targets.target_cut_point_rule_id end as target_cut_point_rule_id,
        ---------- the metric change
        paths.metric_id,
        paths.current_value,
        paths.current_rank,
        paths.current_score,
        paths.matched_org_code,
        paths.target_value,
        paths.target_rank,
        paths.target_score,
        paths.current_rank - paths.target_rank as ranks_to_gain,
        paths.new_average_score,
        ---------- what holds the segment when no metric change can lift it
        case paths.path_status
            when 'held_by_deficit_cap' then targets.deficit_rule_id
            when 'held_by_decision' then targets.decision_id
        end as blocking_rule_id,
        case paths.path_status
            when 'already_segment_1' then 'already in segment 1: no higher segment'
            when 'no_segment' then 'no segment this period: nothing to improve from'
            when 'held_by_decision'
                then 'segment ' || targets.segment || ' is set by recorded decision '
                    || targets.decision_id || ': no metric change lifts it'
            when 'held_by_deficit_cap'
                then 'in deficit or receiving deficit support: segment '
                    || targets.target_segment || ' would be capped at ' || targets.cap_result_segment
                    || ' (' || targets.deficit_rule_id
                    || '): no metric change lifts it'
            when 'not_reachable'
                then 'no metric change within the peer group takes the average below '
                    || to_char(targets.target_cut_point, 'FM0.00')
            when 'one_metric'
                then paths.metric_id || ': from rank ' || paths.current_rank || ' to rank '
                    || paths.target_rank || ' of ' || targets.peer_group || ' (value ' || round(paths.current_value, 2)
                    || ' -> ' || round(paths.target_value, 2) || ', as ' || paths.matched_org_code || '), score '
                    || to_char(paths.current_score, 'FM0.00') || ' -> ' || to_char(paths.target_score, 'FM0.00')
                    || ': average ' || to_char(targets.average_score, 'FM0.00') || ' -> '
                    || to_char(paths.new_average_score, 'FM0.00') || ', below the segment ' || targets.segment
                    || ' cut point ' || to_char(targets.target_cut_point, 'FM0.00')
            else paths.metric_id || ' (' || paths.path_order || ' of the metrics needed): from rank '
                || paths.current_rank || ' to rank ' || paths.target_rank || ' (value '
                || round(paths.current_value, 2) || ' -> ' || round(paths.target_value, 2) || ', as '
                || paths.matched_org_code || '): average -> ' || to_char(paths.new_average_score, 'FM0.00')
        end as description
    from paths
    inner join targets
        on paths.org_code = targets.org_code
        and paths.period_start = targets.period_start
        and paths.framework_version = targets.framework_version

)

select * from final
