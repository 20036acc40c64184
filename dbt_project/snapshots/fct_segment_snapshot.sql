{#
    History of the published segments. It reads the fct_segment that dbt builds (ref, so the build
    schema marts__build) and is itself written to the build schema snapshots__build, which
    oversight.build_schemas fills with a copy of the published snapshot table before every build.
    The two are swapped into place together with the marts (one transaction), and only after the gate
    passed: a version enters the published history exactly when it is published, and a build that
    fails leaves the published history untouched. `data_as_of` (when the newest file behind the
    build was loaded) is the version timestamp, so re-running with no new files records nothing new;
    fct_segment_history keeps only the versions whose segment or rule changed.
#}
{% snapshot fct_segment_snapshot %}
{{ config(
    schema='snapshots',
    unique_key='segment_key',
    strategy='timestamp',
    updated_at='data_as_of',
    hard_deletes='invalidate',
) }}
    select
        org_code || '|' || period_start || '|' || framework_version as segment_key,
        org_code,
        period_start,
        framework_version,
        segment,
        provisional_segment,
        rule_id,
        rule_description,
        decision_id,
        data_as_of at time zone 'UTC' as data_as_of
    from {{ ref('fct_segment') }}
{% endsnapshot %}
