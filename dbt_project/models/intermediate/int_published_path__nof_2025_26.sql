-- The NOF 2025/26 segmentation and ranking rules applied to NHS England's PUBLISHED average scores
-- and deficit flags alone (stg_nof__league_table), so those rules can be checked apart from metric
-- scoring: provisional segment from our cut points (seed nof_segment_cut_points), the deficit cap
-- (seed nof_adjustments), and the competition rank among the published rows of the same trust type
-- and quarter (equal to the published rank only when the file lists the whole table).
with

published as (

    select * from {{ ref('stg_nof__league_table') }}

),

cut_points as (

    select * from {{ ref('nof_segment_cut_points') }}
    where framework_version = 'nof_2025_26'

),

deficit_rule as (

    select * from {{ ref('nof_adjustments') }}
    where framework_version = 'nof_2025_26' and adjustment = 'deficit_cap'

),

segmented as (

    select
        published.*,
        cut.segment as recomputed_provisional_segment,
        cut.rule_id as cut_point_rule_id,
        case
            when published.is_in_financial_deficit
                and cut.segment::text = any(string_to_array(deficit_rule.applies_to_segments, ';'))
                then deficit_rule.result_segment::integer
            else cut.segment
        end as recomputed_segment
    from published
    cross join deficit_rule
    cross join lateral (
        select *
        from cut_points
        where cut_points.peer_group in (published.peer_group, 'all')
            and published.average_score >= cut_points.lower_bound
        order by cut_points.lower_bound desc
        limit 1
    ) as cut

),

final as (

    select
        segmented.*,
        rank() over (
            partition by peer_group, quarter_start order by recomputed_segment, average_score
        )::integer as recomputed_rank,
        count(*) over (partition by peer_group, quarter_start)::integer as published_rows_in_table
    from segmented

)

select * from final
