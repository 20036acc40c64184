-- The 42 STPs and the ICB that replaced each on 1 July 2022, with the ICB's ODS code (the STP's
-- code, kept) and names, from the A&E workbook's mapping sheet
-- (ae_<month><year>_system_mapping_stp_icb_codes.csv), newest file. One row per ICB code.
with

source as (

    select * from {{ validated_rows('ods_mappings') }}
    where _layout = 'ae_system_mapping_stp_icb_codes'

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}
    where source_name = 'ods_mappings'

),

latest_file as (

    select loads.load_id, loads.period_start
    from loads
    where loads.load_id in (select distinct _load_id from source)
    order by loads.period_start desc nulls last, loads.revision desc, loads.vintage desc, loads.load_id desc
    limit 1

),

renamed as (

    select
        ---------- ids
        upper(trim(source.icb_code)) as icb_code,
        ---------- names
        trim(source.icb_name) as icb_name,
        trim(source.icb_name_upper) as icb_name_upper,
        trim(source.stp_name) as stp_name,
        ---------- lineage
        latest_file.period_start as file_period_start,
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source
    inner join latest_file
        on source._load_id = latest_file.load_id

)

select * from renamed
