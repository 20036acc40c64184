-- The NHSX DSPT system hierarchy (data_DSPTmetric_<YYYYMMDD>.csv, February 2022), newest file:
-- trusts, CCGs and CSUs with their STP (ODS and ONS codes, name), NHS England region, open and close
-- dates and successor. One row per organisation and successor (RW6 Pennine Acute was split between
-- R0A and RM3, so it has two rows). A trust's STP code is in STPCDH, a CCG's in STP20CDH.
with

source as (

    select * from {{ validated_rows('ods_mappings') }}
    where _layout = 'dspt_stp_region_2022'

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}
    where source_name = 'ods_mappings'

),

latest_file as (

    -- newest file of this kind (the A&E mapping files share the source but not the kind)
    select loads.load_id, loads.period_start
    from loads
    where loads.load_id in (select distinct _load_id from source)
    order by loads.period_start desc nulls last, loads.revision desc, loads.vintage desc, loads.load_id desc
    limit 1

),

renamed as (

    select
        ---------- ids
        upper(trim(source.org_code)) as org_code,
        trim(source.org_name) as org_name,
        nullif(trim(source.sector), '') as sector,
        ---------- system and region as at the file date
        coalesce(nullif(upper(trim(source.stpcdh)), ''), nullif(upper(trim(source.stp20cdh)), '')) as stp_code,
        nullif(trim(source.stp20cd), '') as stp_ons_code,
        nullif(trim(source.stp20nm), '') as stp_name,
        nullif(upper(trim(source.nhser20cdh)), '') as region_code,
        nullif(trim(source.nhser20cd), '') as region_ons_code,
        nullif(trim(source.nhser20nm), '') as region_name,
        nullif(trim(source.postcode), '') as postcode,
        ---------- lifecycle
        nullif(trim(source.start_date), '')::date as open_date,
        nullif(trim(source.close_date), '')::date as close_date,
        nullif(upper(trim(source.successor_code)), '') as successor_code,
        ---------- lineage
        latest_file.period_start as as_at_date,
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source
    inner join latest_file
        on source._load_id = latest_file.load_id

)

select * from renamed
