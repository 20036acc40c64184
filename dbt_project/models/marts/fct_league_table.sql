-- One row per peer group, quarter and trust: NOF 2025/26 league table position. league_rank is null
-- unless segment_status = 'segmented' (indicative and insufficient-data trusts are listed unranked).
with

league as (

    select * from {{ ref('int_league_table__nof_2025_26') }}

),

names as (

    select org_code, org_name from {{ ref('int_organisation__names') }}

),

final as (

    select
        ---------- keys
        league.peer_group,
        league.period_start,
        league.period_end,
        league.framework_version,
        league.org_code,
        names.org_name,
        ---------- measures
        league.segment_status,
        league.average_score,
        league.adjusted_segment,
        league.segment,
        league.is_in_deficit,
        league.league_rank,
        league.trusts_ranked,
        league.trusts_listed
    from league
    left join names
        on league.org_code = names.org_code

)

select * from final
