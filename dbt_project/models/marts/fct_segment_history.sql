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
    where previous_version_rule_id is null
        or previous_version_segment is distinct from segment
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

versions as (

    select framework_version, period_grain, valid_from, valid_to from {{ ref('framework_versions') }}

),

with_grain as (

    select
        versioned.*,
        versions.period_grain,
        case when versions.period_grain = 'quarter' then interval '3 months' else interval '1 month' end
            as grain_interval,
        versioned.period_start between versions.valid_from and versions.valid_to as is_applicable_version,
        versioned.next_recorded_at is null as is_latest_version,
        versioned.next_recorded_at is null and versioned.is_in_build as is_current_version
    from versioned
    inner join versions
        on versioned.framework_version = versions.framework_version

),

compared as (

    select
        with_grain.*,
        lag(period_start) over (
            partition by org_code, framework_version, is_current_version order by period_start
        ) as previous_period_start,
        lag(segment) over (
            partition by org_code, framework_version, is_current_version order by period_start
        ) as previous_period_segment
    from with_grain

),

applicable_timeline as (

    -- the framework version that applied to each period of the trust, and the one before it
    select
        org_code,
        framework_version,
        period_start,
        lag(framework_version) over (partition by org_code order by period_start)
            as previous_applicable_framework_version,
        lag(period_grain) over (partition by org_code order by period_start) as previous_applicable_period_grain,
        lag(period_start) over (partition by org_code order by period_start) as previous_applicable_period_start
    from with_grain
    where is_applicable_version and is_current_version

),

names as (

    select org_code, org_name from {{ ref('int_organisation__names') }}

),

final as (

    select
        compared.org_code,
        names.org_name,
        compared.framework_version,
        compared.period_start,
        (compared.period_start + compared.grain_interval - interval '1 day')::date as period_end,
        compared.period_grain,
        compared.segment,
        compared.previous_period_start,
        compared.previous_period_segment,
        compared.previous_period_start is not null
        and (compared.previous_period_start + compared.grain_interval)::date <> compared.period_start as is_gap,
        coalesce(compared.segment is distinct from compared.previous_period_segment, true) as is_change,
        compared.is_applicable_version,
        timeline.previous_applicable_framework_version,
        coalesce(timeline.previous_applicable_framework_version <> compared.framework_version, false)
            as is_framework_change,
        coalesce(timeline.previous_applicable_period_grain <> compared.period_grain, false) as is_grain_change,
        concat_ws(
            '; ',
            case when compared.previous_period_start is null then 'first period on record' end,
            case when compared.previous_period_start is not null
                    and (compared.previous_period_start + compared.grain_interval)::date <> compared.period_start
                    then 'gap: no ' || compared.period_grain || ' on record between ' || compared.previous_period_start
                        || ' and ' || compared.period_start || ', so the previous segment is not the period before'
            end,
            case when compared.segment is null then 'insufficient data: no segment' end,
            case when compared.previous_period_start is not null and compared.previous_period_segment is null
                    then 'previous period had insufficient data'
            end,
            case when timeline.previous_applicable_framework_version <> compared.framework_version
                    then 'framework change: ' || timeline.previous_applicable_framework_version || ' applied to '
                        || timeline.previous_applicable_period_start || ', ' || compared.framework_version
                        || ' applies now'
            end,
            case when timeline.previous_applicable_period_grain <> compared.period_grain
                    then 'period grain change: ' || timeline.previous_applicable_period_grain || ' before, '
                        || compared.period_grain || ' now (unlike periods, not compared)'
            end
        ) as comparison_note,
        compared.provisional_segment,
        compared.rule_id,
        compared.rule_description as cause,
        compared.decision_id,
        compared.recorded_at,
        coalesce(compared.next_recorded_at, case when not compared.is_in_build then compared.superseded_at end)
            as superseded_at,
        compared.is_current_version as is_current
    from compared
    left join names
        on compared.org_code = names.org_code
    left join applicable_timeline as timeline
        on compared.org_code = timeline.org_code
        and compared.framework_version = timeline.framework_version
        and compared.period_start = timeline.period_start
        and compared.is_current_version

)

select * from final
