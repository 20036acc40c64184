{#
    Write-audit-publish for everything dbt builds: every schema (reference, staging, intermediate,
    snapshots, marts) is written as `<schema>` + var('build_suffix') (`__build`). Nothing dbt builds
    is ever written in place: the publish step swaps the whole set of build schemas into place in one
    transaction after the dbt tests and the Great Expectations gate passed (oversight.publish). The
    list of schemas is settings.DBT_SCHEMAS; `dbt docs generate` passes build_suffix '' to describe
    the published schemas.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set base = target.schema if custom_schema_name is none else custom_schema_name | trim -%}
    {{ base }}{{ var('build_suffix', '__build') }}
{%- endmacro %}
