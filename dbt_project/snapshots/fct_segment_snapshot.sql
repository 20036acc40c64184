{#
    History of the PUBLISHED segments (schema marts), so that it only ever records what BI users
    saw. It runs inside `dbt build` (capturing the previous publication) and again right after each
    publish (task record_segment_history), capturing the new one. `data_as_of` (when the newest file
    behind a publication was loaded) is the version timestamp, so re-running with no new files
    records nothing new. A new version of a row appears when new data arrives; fct_segment_history
    keeps only the versions whose segment or rule changed.
#}
{% snapshot fct_segment_snapshot %}
{{ config(
    target_schema='snapshots',
    unique_key='segment_key',
    strategy='timestamp',
    updated_at='data_as_of',
    hard_deletes='invalidate',
) }}
{%- set published = adapter.get_relation(database=target.database, schema='marts', identifier='fct_segment') -%}
{%- set columns = adapter.get_columns_in_relation(published) | map(attribute='name') | list if published else [] -%}
{% if published and 'data_as_of' in columns %}
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
from {{ published }}
{% else %}
select
    null::text as segment_key,
    null::text as org_code,
    null::date as period_start,
    null::text as framework_version,
    null::integer as segment,
    null::integer as provisional_segment,
    null::text as rule_id,
    null::text as rule_description,
    null::text as decision_id,
    null::timestamp as data_as_of
where false
{% endif %}
{% endsnapshot %}
