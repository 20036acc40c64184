{#
    Schemas are used exactly as configured per folder (staging, intermediate, reference), except
    `marts`, which is never written by dbt: marts are built in var('build_schema') and swapped into
    `marts` by the publish step after the Great Expectations gate passes (write-audit-publish).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif custom_schema_name | trim == 'marts' -%}
        {{ var('build_schema', 'marts__build') }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
