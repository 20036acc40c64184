-- NHS trusts from the newest ODS etr file (27 fields, no header): code, name, region, ICB.
with

source as (

    select * from {{ source('raw', 'ods_trusts') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

renamed as (

    select
        ---------- ids
        upper(trim(source.org_code)) as org_code,
        trim(source.name) as org_name,
        ---------- geography
        nullif(trim(source.national_grouping), '') as region_code,
        nullif(trim(source.high_level_health_geography), '') as icb_code,
        nullif(trim(source.postcode), '') as postcode,
        ---------- dates
        to_date(source.open_date, 'YYYYMMDD') as open_date,
        to_date(nullif(trim(source.close_date), ''), 'YYYYMMDD') as close_date,
        ---------- lineage
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row,
        source._period as file_period_start

    from source

),

latest as (

    select renamed.*
    from renamed
    inner join loads
        on renamed.load_id = loads.load_id
    where loads.is_latest_file

)

select * from latest
