-- Every cancer load and every month it carries: its vintage of that month, and which load models
-- read for it. A provider workbook or a Monthly Combined Workbook carries one month (its period); a
-- CWT-CRS data extract carries several (column row_period), so each of its months is a vintage of
-- that month. Order of vintages of a month: the file's own period (for an extract the last month it
-- covers, so a later extract, which covers later months, is newer), then its revision (PROVISIONAL
-- < FINAL, -v2), then arrival. A newer extract covering June-July supersedes those two months only;
-- the earlier extract stays the latest vintage of April and May, and stays in raw for June and July.
-- A table, unlike the other staging models: one row per load and month (hundreds), grouped from
-- every raw cancer row (2.05 M at ten national years). As a view, each of the three cancer staging
-- views, int_cancer__metric_values and each of its own tests grouped and ranked them all again,
-- and the window kept the tests' load filter from reaching the raw table: its tests alone took
-- 15 s of an incremental build at ten years (bench/results.md).
{{ config(materialized='table') }}
with

source as (

    select * from {{ validated_rows('cancer_provider_monthly') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

months as (

    select
        _load_id as load_id,
        case
            when _layout like 'cwt_crs_extract%' then 'data_extract'
            when _layout like 'cwt_monthly_combined%' then 'combined_workbook'
            else 'provider_workbook'
        end as layout_family,
        coalesce(nullif(trim(row_period), '')::date, _period) as period_start,
        count(*) as rows_of_month
    from source
    group by 1, 2, 3

),

ranked as (

    select
        ---------- ids
        months.load_id,
        months.period_start,
        ---------- the file
        months.layout_family,
        loads.file_name as source_file,
        loads.period_start as file_period_start,
        loads.revision,
        months.rows_of_month,
        ---------- vintages of the month
        row_number() over (
            partition by months.period_start
            order by loads.period_start, loads.revision, months.load_id
        ) as month_vintage,
        row_number() over (
            partition by months.period_start
            order by loads.period_start desc, loads.revision desc, months.load_id desc
        ) = 1 as is_latest_for_month,
        row_number() over (
            partition by months.period_start, months.layout_family
            order by loads.period_start desc, loads.revision desc, months.load_id desc
        ) = 1 as is_latest_of_layout

    from months
    inner join loads
        on months.load_id = loads.load_id

)

select * from ranked
