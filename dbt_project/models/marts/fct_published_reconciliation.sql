-- One row per trust and quarter of NHS England's published NOF league tables: the published average
-- score, segment and rank beside (a) the same rules applied to the published averages and deficit
-- flags (the published path: checks segmentation and ranking apart from metric scoring) and (b) our
-- own results for the last month of that quarter we hold, with the differences.
with

published_path as (

    select * from {{ ref('int_published_path__nof_2025_26') }}

),

ours as (

    select * from {{ ref('int_league_table__nof_2025_26') }}

),

ours_in_quarter as (

    select distinct on (published_path.org_code, published_path.quarter_start)
        published_path.org_code,
        published_path.quarter_start,
        ours.period_start as our_period_start,
        ours.average_score as our_average_score,
        ours.segment as our_segment,
        ours.league_rank as our_rank
    from published_path
    inner join ours
        on published_path.org_code = ours.org_code
        and ours.period_start between published_path.quarter_start and published_path.quarter_end
    order by published_path.org_code, published_path.quarter_start, ours.period_start desc

),

final as (

    select
        ---------- keys
        published_path.org_code,
        published_path.quarter_start,
        published_path.quarter_end,
        published_path.peer_group,
        ---------- published by NHS England
        published_path.average_score as published_average_score,
        published_path.segment as published_segment,
        published_path.is_in_financial_deficit as published_in_deficit,
        published_path.league_rank as published_rank,
        published_path.average_score_likely_low as published_average_likely_low,
        published_path.average_score_likely_high as published_average_likely_high,
        ---------- our rules on the published averages and deficit flags
        published_path.recomputed_provisional_segment as published_path_provisional_segment,
        published_path.recomputed_segment as published_path_segment,
        published_path.recomputed_rank as published_path_rank,
        published_path.published_rows_in_table,
        published_path.recomputed_segment - published_path.segment as published_path_segment_difference,
        published_path.cut_point_rule_id,
        ---------- our own results
        ours_in_quarter.our_period_start,
        ours_in_quarter.our_average_score,
        ours_in_quarter.our_segment,
        ours_in_quarter.our_rank,
        ours_in_quarter.our_average_score - published_path.average_score as average_score_difference,
        ours_in_quarter.our_segment - published_path.segment as segment_difference,
        ours_in_quarter.our_rank - published_path.league_rank as rank_difference,
        ---------- lineage
        published_path.source_file,
        published_path.source_row
    from published_path
    left join ours_in_quarter
        on published_path.org_code = ours_in_quarter.org_code
        and published_path.quarter_start = ours_in_quarter.quarter_start

)

select * from final
