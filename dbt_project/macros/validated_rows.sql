{#
    The rows of a raw load table that dbt may read: those of loads the raw Great Expectations suite
    validated (issue 10, validate then commit). A load is committed `pending` and becomes visible
    only once `raw.load_manifest.validation` is `validated`; stg_warehouse__loads lists exactly
    those loads, and every raw row carries its load as `_load_id`. Every staging model that reads a
    raw load table reads it through this macro, never through source() directly; it stands where
    the source would, as a subquery named after the table:

        source as (

            select * from {{ validated_rows('ae_monthly') }}

        ),
#}
{% macro validated_rows(table_name) -%}
    (
        select raw_rows.*
        from {{ source('raw', table_name) }} as raw_rows
        where raw_rows._load_id in (
            select validated_loads.load_id from {{ ref('stg_warehouse__loads') }} as validated_loads
        )
    ) as {{ table_name }}
{%- endmacro %}
