-- NOF 2025/26 league tables: within each peer group and quarter, the `segmented` trusts ordered by
-- adjusted segment (after the deficit cap), then average score, both ascending (1 is best). Ties
-- share the lowest rank and the next rank skips (competition ranking: 1, 2, 2, 4). DOMAIN.md §3.3
-- item 7. `indicative` and `insufficient_data` trusts are listed with no rank: their segment rests
-- on too few metrics (or an unknown finance position) to place them firmly.
with

segments as (

    select * from {{ ref('int_segments__nof_2025_26') }}

),

final as (

    select
        peer_group,
        period_start,
        period_end,
        framework_version,
        org_code,
        average_score,
        adjusted_segment,
        segment,
        segment_status,
        is_in_deficit,
        case when segment_status = 'segmented' then
                rank() over (
                    partition by framework_version, period_start, peer_group, segment_status = 'segmented'
                    order by adjusted_segment, average_score
                )::integer
        end as league_rank,
        (
            count(*) filter (where segment_status = 'segmented')
                over (partition by framework_version, period_start, peer_group)
        )::integer as trusts_ranked,
        count(*) over (partition by framework_version, period_start, peer_group)::integer as trusts_listed
    from segments

)

select * from final
