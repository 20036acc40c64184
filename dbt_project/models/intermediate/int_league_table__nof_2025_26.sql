-- NOF 2025/26 league tables: within each peer group and period, trusts ordered by adjusted
-- segment (after the deficit cap), then average score, both ascending (1 is best). Ties share the
-- lowest rank and the next rank skips (competition ranking: 1, 2, 2, 4). DOMAIN.md §3.3 item 7.
with

segments as (

    select * from {{ ref('int_segments__nof_2025_26') }}

),

final as (

    select
        peer_group,
        period_start,
        framework_version,
        org_code,
        average_score,
        adjusted_segment,
        segment,
        is_in_deficit,
        rank() over (
            partition by framework_version, period_start, peer_group
            order by adjusted_segment, average_score
        )::integer as league_rank,
        count(*) over (partition by framework_version, period_start, peer_group)::integer as trusts_ranked
    from segments

)

select * from final
