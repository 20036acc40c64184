-- One row per loaded file the raw Great Expectations suite validated, ranked within its source and
-- period so that models can read the latest vintage (highest revision by file name, then the latest
-- arrival). A load still pending validation (or rejected) is not here: neither its rows (macro
-- validated_rows) nor its rank can change what models read.
with

source as (

    select * from {{ source('raw', 'load_manifest') }}

),

loaded as (

    select
        ---------- ids
        load_id,
        source as source_name,
        ---------- file
        file_name,
        file_sha256,
        file_bytes,
        ---------- period and vintage
        period as period_start,
        vintage,
        revision,
        rows_loaded,
        ---------- metadata
        loaded_at,
        row_number() over (
            partition by source, period
            order by revision desc, vintage desc, load_id desc
        ) = 1 as is_latest_vintage,
        row_number() over (
            partition by source
            order by period desc nulls last, revision desc, vintage desc, load_id desc
        ) = 1 as is_latest_file

    from source
    where status = 'loaded'
        and validation = 'validated'

)

select * from loaded
