-- DM01 diagnostics waiting list per provider and month (sheet Provider), typed and renamed, latest
-- vintage of each month. The national and regional total rows are dropped here (they stay in raw for
-- reconciliation): TOTAL / ENGLAND as the code (2019 layout), or no code and `Total` as the name
-- (the publisher's web file, whose England row comes first).
with

source as (

    select * from {{ validated_rows('dm01_provider_monthly') }}

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
        nullif(trim(source.region_code), '') as region_code,
        ---------- waiting list at the end of the month
        source.total_waiting_list::numeric as total_waiting_list,
        source.waiting_6wk_plus::numeric as waiting_6wk_plus,
        source.waiting_13wk_plus::numeric as waiting_13wk_plus,
        nullif(trim(source.pct_waiting_6wk_plus), '')::numeric as fraction_waiting_6wk_plus,
        ---------- lineage
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source
    where
        coalesce(source.sheet, 'Provider') = 'Provider'
        and nullif(trim(source.provider_code), '') is not null
        and upper(trim(source.provider_code)) not in ('TOTAL', 'ENGLAND')

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
