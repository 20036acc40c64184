-- Indicative system (STP/ICS/ICB) segments under NOF 2021/22-2024/25: the member trusts are those
-- mapped to the system at the period (int_organisation__system_membership, valid_from..valid_to); the
-- aggregation is seed system_segment_rules (median of the members' segments rounded up [INFER]); a
-- recorded decision about the system code overrides it.
with

segments as (

    select * from {{ ref('fct_segment') }}
    where framework_version in (select framework_version from {{ ref('system_segment_rules') }})

),

membership as (

    select * from {{ ref('int_organisation__system_membership') }}

),

rules as (

    select * from {{ ref('system_segment_rules') }}

),

decisions as (

    select * from {{ ref('stg_decisions__decisions') }}

),

members as (

    select
        membership.system_code,
        segments.period_start,
        segments.framework_version,
        segments.org_code,
        segments.segment
    from segments
    inner join membership
        on segments.org_code = membership.org_code
        and segments.period_start >= membership.valid_from
        and segments.period_start <= coalesce(membership.valid_to, 'infinity'::date)

),

aggregated as (

    select
        members.system_code,
        members.period_start,
        members.framework_version,
        count(*)::integer as member_trusts,
        ceil(percentile_cont(0.5) within group (order by members.segment))::integer as median_segment,
        string_agg(members.org_code || ':' || members.segment, ', ' order by members.org_code) as member_segments
    from members
    group by 1, 2, 3

),

with_decision as (

    select
        aggregated.*,
        rules.rule_id as aggregation_rule_id,
        decision.decision_id,
        decision.segment as decision_segment
    from aggregated
    inner join rules
        on aggregated.framework_version = rules.framework_version
    {{ decision_in_force('decisions', 'aggregated', org_column='system_code', match_framework_version=true) }}

),

final as (

    select
        system_code,
        period_start,
        framework_version,
        member_trusts,
        member_segments,
        median_segment as provisional_segment,
        coalesce(decision_segment, median_segment) as segment,
        coalesce(decision_id, aggregation_rule_id) as rule_id,
        decision_id,
        case
            when decision_id is not null
                then 'recorded decision ' || decision_id || ' sets segment ' || decision_segment
            else 'median of ' || member_trusts || ' member trust segment(s) rounded up: ' || median_segment
        end as rule_description,
        true as is_indicative
    from with_decision

)

select * from final
