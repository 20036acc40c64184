-- NHS Staff Survey organisation results, one row per organisation and survey year, typed and
-- renamed. Each (organisation, year) comes from the newest load that carries it (latest file
-- period, then revision, then arrival), so a later merged file supersedes an earlier one year by
-- year and a file of one new year adds that year.
-- Fix: in the 2021 rows `Region` holds the STP name and `ICS/STP` the NHS England region (swapped);
-- a row is treated as swapped when its `ICS/STP` is one of the seven NHS England regions and its
-- `Region` is not (detected from the values, not from the year). The ICS comes from `ICS` (2023
-- onwards), else from `ICS/STP` (2022), else from the swapped `Region` (2021, the STP name).
-- Missing markers '', '-', 'NA' and '<NA>' become null.
{% set measures = [
    'autonomy_base', 'autonomy_rate', 'burned_out_base', 'burned_out_ever_rate', 'burned_out_rate',
    'burned_out_response_rate', 'burned_out_sometimes_rate', 'discrimination_internal_base',
    'discrimination_internal_rate', 'discrimination_public_base', 'discrimination_public_rate',
    'emotional_colleagues_base', 'emotional_colleagues_rate', 'emotional_manager_base',
    'emotional_manager_rate', 'emotional_public_base', 'emotional_public_rate',
    'emotionally_exhausting_base', 'emotionally_exhausting_ever_rate', 'emotionally_exhausting_rate',
    'emotionally_exhausting_response_rate', 'emotionally_exhausting_sometimes_rate', 'enough_staff_base',
    'enough_staff_rate', 'ethnic_minority_base', 'ethnic_minority_rate', 'female_base', 'female_rate',
    'frustration_base', 'frustration_ever_rate', 'frustration_rate', 'frustration_response_rate',
    'frustration_sometimes_rate', 'mastery_base', 'mastery_meaning_rate', 'med_dental_base',
    'med_dental_rate', 'membership_base', 'membership_rate', 'older_base', 'older_rate',
    'patient_facing_base', 'patient_facing_rate', 'physical_colleagues_base', 'physical_colleagues_rate',
    'physical_manager_base', 'physical_manager_rate', 'physical_public_base', 'physical_public_rate',
    'religion_any_other_rate', 'religion_base', 'religion_buddhist_rate', 'religion_christian_rate',
    'religion_decline_answer_rate', 'religion_hindu_rate', 'religion_jewish_rate', 'religion_muslim_rate',
    'religion_none_rate', 'religion_sikh_rate', 'respondents', 'sexual_minority_base',
    'sexual_minority_rate', 'stress_base', 'stress_rate', 'time_demands_meet_base',
    'time_demands_meet_rate'
] %}
with

source as (

    select * from {{ validated_rows('staff_survey_organisation_results') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

nhs_regions as (

    select region_name
    from (
        values
        ('East of England'),
        ('London'),
        ('Midlands'),
        ('North East and Yorkshire'),
        ('North West'),
        ('South East'),
        ('South West')
    ) as regions (region_name)

),

cleaned as (

    select
        ---------- ids
        upper(trim(source.org_code)) as org_code,
        trim(source.year)::integer as survey_year,
        trim(source.org_name) as org_name,
        trim(source.benchmarking_group) as benchmarking_group,
        trim(source.weighting) as weighting,
        ---------- geography as published (swapped in 2021)
        case when trim(source.region) in ('', '-', 'NA', '<NA>') then null else trim(source.region) end
            as published_region,
        case when trim(source.ics_stp) in ('', '-', 'NA', '<NA>') then null else trim(source.ics_stp) end
            as published_ics_stp,
        case when trim(source.ics) in ('', '-', 'NA', '<NA>') then null else trim(source.ics) end
            as published_ics,
        ---------- measures: <question>_base (respondents), <question>_rate (0-100)
        {%- for measure in measures %}
            case
                when trim(source.{{ measure }}) in ('', '-', 'NA', '<NA>') then null
                else trim(source.{{ measure }})::numeric
            end as {{ measure }},
        {%- endfor %}
        ---------- lineage
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source

),

geography_fixed as (

    select
        cleaned.*,
        coalesce(
            cleaned.published_ics_stp in (select region_name from nhs_regions)
            and cleaned.published_region not in (select region_name from nhs_regions),
            false
        ) as region_ics_swapped
    from cleaned

),

renamed as (

    select
        org_code,
        survey_year,
        make_date(survey_year, 1, 1) as period_start,
        make_date(survey_year, 12, 31) as period_end,
        org_name,
        benchmarking_group,
        weighting,
        case when region_ics_swapped then published_ics_stp else published_region end as region_name,
        coalesce(
            published_ics,
            case when region_ics_swapped then published_region else published_ics_stp end
        ) as ics_name,
        region_ics_swapped,
        {%- for measure in measures %}
            {{ measure }},
        {%- endfor %}
        load_id,
        source_file,
        source_row
    from geography_fixed

),

newest_load_first as (

    select
        renamed.*,
        loads.vintage,
        loads.revision,
        row_number() over (
            partition by renamed.org_code, renamed.survey_year
            order by loads.period_start desc nulls last, loads.revision desc, loads.vintage desc, loads.load_id desc
        ) as load_recency
    from renamed
    inner join loads
        on renamed.load_id = loads.load_id

),

final as (

    select * from newest_load_first
    where load_recency = 1

)

select * from final
