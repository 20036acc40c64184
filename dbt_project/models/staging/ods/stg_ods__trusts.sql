-- NHS trusts from the newest ODS etr vintage (27 fields, no header): code, name, region, ICB.
-- The newest vintage is the latest by vintage date (stg_ods__trust_vintages: the quarter in the
-- file name, or the load day of an undated etr.csv).
with

vintages as (

    select * from {{ ref('stg_ods__trust_vintages') }}

),

latest as (

    select
        ---------- ids
        org_code,
        org_name,
        ---------- geography
        region_code,
        icb_code,
        postcode,
        ---------- dates
        open_date,
        close_date,
        ---------- lineage
        load_id,
        source_file,
        source_row,
        file_period_start,
        vintage_date
    from vintages
    where is_newest_vintage

)

select * from latest
