-- Every vintage of the ODS trust list (etr, 27 fields, no header): one row per trust and vintage.
-- A vintage is dated by the quarter in its file name (etr_2025-Q1.csv -> 2025-01-01); an undated
-- etr.csv (the ODS download, which always describes "now") by the day it was loaded, each such
-- load its own vintage. Of several files for the same quarter, the latest vintage (revision, then
-- arrival) is the one kept.
with

source as (

    select * from {{ validated_rows('ods_trusts') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}
    where source_name = 'ods'
        and (is_latest_vintage or period_start is null)

),

vintages as (

    -- one load per vintage date (two undated downloads on the same day: the later one)
    select distinct on (vintage_date)
        load_id,
        vintage_date
    from (
        select
            load_id,
            coalesce(period_start, loaded_at::date) as vintage_date
        from loads
    ) as dated
    order by vintage_date, load_id desc

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
        ---------- vintage
        vintages.vintage_date,
        dense_rank() over (order by vintages.vintage_date) as vintage_seq,
        ---------- lineage
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row,
        source._period as file_period_start

    from source
    inner join vintages
        on source._load_id = vintages.load_id

),

final as (

    select
        *,
        vintage_seq = max(vintage_seq) over () as is_newest_vintage
    from renamed

)

select * from final
