-- Every change of segment, with its date and cause, from the dbt snapshot of the published
-- segments plus the build about to be published. Grain: one row per trust x framework x period x
-- version. "Segment as at date X" is one query:
--     select * from marts.fct_segment_history
--     where org_code = 'RXX' and framework_version = 'nof_2025_26'
--       and date 'X' between period_start and period_end and is_current
-- Restated segments keep their earlier versions (recorded_at / superseded_at).
with

snapshot as (

    select * from {{ ref('fct_segment_snapshot') }}

),

building as (

    select
        *,
        org_code || '|' || period_start || '|' || framework_version as segment_key
    from {{ ref('fct_segment') }}

),

published_versions as (

    select
        segment_key, org_code, period_start, framework_version, segment, provisional_segment, rule_id,
        rule_description, decision_id, dbt_valid_from as recorded_at, dbt_valid_to as superseded_at
    from snapshot

),

new_versions as (

    -- rows of this build that the snapshot has not recorded yet (new data since the last publication)
    select
        building.segment_key, building.org_code, building.period_start, building.framework_version,
        building.segment, building.provisional_segment, building.rule_id, building.rule_description,
        building.decision_id, building.data_as_of at time zone 'UTC' as recorded_at,
        null::timestamp as superseded_at
    from building
    left join snapshot
        on building.segment_key = snapshot.segment_key
        and snapshot.dbt_valid_to is null
        and snapshot.data_as_of = building.data_as_of at time zone 'UTC'
    where snapshot.segment_key is null

),

all_versions as (

    select * from published_versions
    union all
    select * from new_versions

),

changes_only as (

    -- a new data version that left segment and rule as they were is not a change
    select
        *,
        lag(segment) over (partition by segment_key order by recorded_at) as previous_version_segment,
        lag(rule_id) over (partition by segment_key order by recorded_at) as previous_version_rule_id
    from all_versions

),

kept as (

    select *
    from changes_only
    where previous_version_segment is null
        or previous_version_segment <> segment
        or previous_version_rule_id <> rule_id

),

versioned as (

    select
        kept.*,
        lead(kept.recorded_at) over (partition by kept.segment_key order by kept.recorded_at) as next_recorded_at,
        building.segment_key is not null as is_in_build
    from kept
    left join building
        on kept.segment_key = building.segment_key

),

final as (

    select
        org_code,
        framework_version,
        period_start,
        (period_start + interval '1 month' - interval '1 day')::date as period_end,
        segment,
        lag(segment) over (
            partition by org_code, framework_version, (next_recorded_at is null) order by period_start
        ) as previous_period_segment,
        coalesce(
            segment <> lag(segment) over (
                partition by org_code, framework_version, (next_recorded_at is null) order by period_start
            ),
            true
        ) as is_change,
        provisional_segment,
        rule_id,
        rule_description as cause,
        decision_id,
        recorded_at,
        coalesce(next_recorded_at, case when not is_in_build then superseded_at end) as superseded_at,
        next_recorded_at is null and is_in_build as is_current
    from versioned

)

select * from final
