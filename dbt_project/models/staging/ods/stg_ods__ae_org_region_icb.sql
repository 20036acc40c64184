-- Organisation -> NHS England region -> ICB (names only) from the system mapping sheet of NHS
-- England's A&E workbook (ae_<month><year>_system_mapping_org_region_icb.csv), newest file. One row
-- per organisation: the June 2025 file repeats two rows exactly (NNFA7, Y02584); the first is kept.
with

source as (

    select * from {{ validated_rows('ods_mappings') }}
    where _layout = 'ae_system_mapping_org_region_icb'

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

    select distinct on (upper(trim(source.org_code)))
        ---------- ids
        upper(trim(source.org_code)) as org_code,
        trim(source.org_name) as org_name,
        ---------- geography (names as published)
        trim(source.region_name) as region_name,
        trim(source.icb_name) as icb_name,
        ---------- lineage
        latest_file.period_start as file_period_start,
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source
    inner join latest_file
        on source._load_id = latest_file.load_id
    order by upper(trim(source.org_code)), source._row_number

)

select * from renamed
