-- NHS Staff Survey organisation workbook (NSS<yy> detailed spreadsheets), long: one row per
-- organisation, survey year, sheet, question and response column, typed; the latest vintage of
-- each survey year. `-` (fewer than 10 responses) becomes a null value, flagged is_suppressed.
with

source as (

    select * from {{ validated_rows('staff_survey_detailed_results') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

renamed as (

    select
        ---------- ids
        upper(trim(source.org_code)) as org_code,
        trim(source.org_name) as org_name,
        trim(source.survey_year)::integer as survey_year,
        make_date(trim(source.survey_year)::integer, 1, 1) as period_start,
        make_date(trim(source.survey_year)::integer, 12, 31) as period_end,
        trim(source.benchmarking_group) as benchmarking_group,
        nullif(trim(source.region), '-') as region_name,
        nullif(trim(source.ics), '-') as ics_name,
        trim(source.weighting) as weighting,
        ---------- question and answer
        source.sheet as sheet_name,
        source.question,
        source.question_text,
        source.response,
        source.value = '-' as is_suppressed,
        nullif(source.value, '-')::numeric as value,
        nullif(source.base, '-')::numeric as base,
        ---------- lineage
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row,
        source.source_column

    from source

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
