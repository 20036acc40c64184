-- TEMPORARY (replaced when stg_finance__positions lands): no finance positions yet.
select
    null::text as org_code,
    null::date as period_start,
    null::boolean as is_deficit_flag,
    null::text as source_file,
    null::integer as source_row
where false
