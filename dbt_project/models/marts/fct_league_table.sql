-- One row per peer group, period and trust: NOF 2025/26 league table position.
with

league as (

    select * from {{ ref('int_league_table__nof_2025_26') }}

),

final as (

    select
        ---------- keys
        peer_group,
        period_start,
        framework_version,
        org_code,
        ---------- measures
        average_score,
        adjusted_segment,
        segment,
        is_in_deficit,
        league_rank,
        trusts_ranked
    from league

)

select * from final
