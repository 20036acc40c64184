-- One row per trust, period and framework version (NOF 2025/26): distance of the average score to
-- the nearest cut point, a likely range of the average and of the rank, and whether the segment
-- could change within that range.
with

sensitivity as (

    select * from {{ ref('int_segment_sensitivity__nof_2025_26') }}

),

names as (

    select org_code, org_name from {{ ref('int_organisation__names') }}

),

final as (

    select
        org_code,
        org_name,
        period_start,
        framework_version,
        peer_group,
        average_score,
        provisional_segment,
        nearest_cut_point,
        nearest_cut_point_rule_id,
        distance_to_nearest_cut_point,
        likely_average_low,
        likely_average_high,
        likely_rank_best,
        likely_rank_worst,
        segment_could_change
    from sensitivity
    left join names using (org_code)

)

select * from final
