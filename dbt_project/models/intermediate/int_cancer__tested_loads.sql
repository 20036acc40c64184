-- The validated cancer loads whose staging rows a build has tested: the incremental state behind
-- the `untested_loads` filter of the cancer staging tests (dbt_project.yml; macro
-- get_where_subquery in macros/incremental_state.sql). The cancer metric values are not
-- incremental (a month's figure may come from any of several files), so the staging tests need a
-- state of their own. dbt build runs the tests of the four staging models below before this model,
-- so a load is added here only once its rows passed them, in the same build; a build that fails
-- its tests or the gate is discarded with its state.
-- Ten national years (2.05 M CWT rows): the extract's `unique_combination` alone took 14.4 s of
-- the incremental build when every row was tested again for each new month.
-- depends_on: {{ ref('stg_cancer__provider_extract') }}
-- depends_on: {{ ref('stg_cancer__provider_monthly') }}
-- depends_on: {{ ref('stg_cancer__combined_provider') }}
-- depends_on: {{ ref('stg_cancer__month_vintages') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        post_hook=["{{ incremental_state_comment() }}"],
    )
}}

with

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

final as (

    select
        load_id,
        source_name,
        file_name
    from loads
    where source_name = 'cancer'
    {% if is_incremental() -%}
        and not exists (select 1 from {{ this }} as tested where tested.load_id = loads.load_id)
    {%- endif %}

)

select * from final
