{#
    Statistics for a table dbt has just built, before the next model or test reads it (a post-hook
    of every model, dbt_project.yml). A table created by `create table as` has none until
    autovacuum's next pass (and autovacuum may be off, as on the shared PostgreSQL 15 this project
    is tested against): the planner then guesses one row per join and picks nested loops over
    hundreds of thousands of rows. Views have no statistics of their own: nothing to do.
#}
{% macro analyze_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
