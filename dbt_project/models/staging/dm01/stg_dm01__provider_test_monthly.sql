-- DM01 diagnostics waiting list per provider, diagnostic test and month (sheet Provider by Test of
-- the publisher's web file), typed and renamed, latest vintage of each month. The England total row
-- (no code) is dropped; each provider's `Total` test (Diagnostic ID 16) is kept, flagged
-- is_all_tests: it equals the provider's row on sheet Provider.
with

source as (

    select * from {{ validated_rows('dm01_provider_monthly') }}
    where sheet = 'Provider by Test'

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

renamed as (

    select
        ---------- ids
        upper(trim(source.provider_code)) as org_code,
        trim(source.provider_name) as org_name,
        source._period as period_start,
        trim(source.diagnostic_id)::integer as diagnostic_id,
        trim(source.diagnostic_test_name) as diagnostic_test_name,
        upper(trim(source.diagnostic_test_name)) = 'TOTAL' as is_all_tests,
        nullif(trim(source.region_code), '') as region_code,
        ---------- waiting list at the end of the month
        source.total_waiting_list::numeric as total_waiting_list,
        source.waiting_6wk_plus::numeric as waiting_6wk_plus,
        source.waiting_13wk_plus::numeric as waiting_13wk_plus,
        nullif(trim(source.pct_waiting_6wk_plus), '')::numeric as fraction_waiting_6wk_plus,
        ---------- activity in the month
        nullif(trim(source.activity_planned), '')::numeric as activity_planned,
        nullif(trim(source.activity_unscheduled), '')::numeric as activity_unscheduled,
        nullif(trim(source.activity_waiting_list), '')::numeric as activity_waiting_list,
        ---------- lineage
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source
    where nullif(trim(source.provider_code), '') is not null

),

latest as (

    select
        renamed.*,
        loads.vintage,
        loads.revision
    from renamed
    inner join loads
        on renamed.load_id = loads.load_id
    where loads.is_latest_vintage

)

select * from latest
