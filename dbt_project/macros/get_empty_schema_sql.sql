{#
    dbt's default__get_empty_schema_sql (the empty select an enforced contract is checked with),
    without its warning on `numeric` columns with no precision/scale. The warning is for warehouses
    whose bare numeric is numeric(38,0) and rounds; PostgreSQL's unconstrained numeric stores every
    value exactly, and the marts' ratios and scores are declared that way on purpose. `make run`
    printed the warning 11 times per build, for nothing a user could act on.
#}
{% macro postgres__get_empty_schema_sql(columns) %}
    {%- set col_err = [] -%}
    select
    {% for i in columns %}
        {%- set col = columns[i] -%}
        {%- if col['data_type'] is not defined -%}
            {%- do col_err.append(col['name']) -%}
        {%- endif -%}
        {% set col_name = adapter.quote(col['name']) if col.get('quote') else col['name'] %}
        {{ cast('null', col['data_type']) }} as {{ col_name }}{{ ", " if not loop.last }}
    {%- endfor -%}
    {%- if (col_err | length) > 0 -%}
        {{ exceptions.column_type_missing(column_names=col_err) }}
    {%- endif -%}
{% endmacro %}
