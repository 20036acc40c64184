-- One row per system (STP/ICS/ICB) x period x framework version: the indicative system segment from
-- its member trusts mapped with the organisation reference valid at that period.
with

system_segments as (

    select * from {{ ref('int_system_segments') }}

),

final as (

    select
        system_code,
        period_start,
        framework_version,
        member_trusts,
        member_segments,
        provisional_segment,
        segment,
        rule_id,
        rule_description,
        decision_id,
        is_indicative
    from system_segments

)

select * from final
