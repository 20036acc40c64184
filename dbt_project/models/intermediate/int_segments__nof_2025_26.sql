-- NOF 2025/26 automated segmentation, step by step (methodology manual, DOMAIN.md §3.3):
-- average of all metric scores (not of domain scores) -> provisional segment from the cut points
-- in seed nof_segment_cut_points (the highest lower bound the rounded average reaches).
with

scores as (

    select * from {{ ref('int_metric_scores__ranked') }}
    where framework_version = 'nof_2025_26'

),

cut_points as (

    select * from {{ ref('nof_segment_cut_points') }}

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

segmented as (

    select
        averaged.*,
        cut.segment as provisional_segment,
        cut.rule_id,
        cut.lower_bound as cut_point,
        cut.source_document as rule_source_document
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

final as (

    select
        org_code,
        period_start,
        framework_version,
        peer_group,
        average_score,
        metrics_scored,
        provisional_segment,
        provisional_segment as segment,
        rule_id,
        cut_point,
        'average of ' || metrics_scored || ' metric score(s) ' || to_char(average_score, 'FM0.00')
            || ' is at or above the segment ' || provisional_segment || ' cut point '
            || to_char(cut_point, 'FM0.00') || ' (' || rule_id || ')' as rule_description,
        rule_source_document
    from segmented

)

select * from final
