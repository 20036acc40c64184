-- Cancer Waiting Times provider workbook per provider, month, sheet (standard and breakdown), part
-- and breakdown row, typed and renamed, latest workbook of each month (a FINAL issue supersedes the
-- PROVISIONAL one; stg_cancer__month_vintages). Rows of the other layouts (data extract, Monthly
-- Combined Workbook) are in their own staging models.
-- National rows (ALL ENGLISH PROVIDERS, no ODS code) are dropped here; they stay in raw.
-- Counts stay numeric with their fractions: shared 62-day pathways are split between providers.
with

source as (

    select * from {{ validated_rows('cancer_provider_monthly') }}

),

vintages as (

    select * from {{ ref('stg_cancer__month_vintages') }}
    where layout_family = 'provider_workbook'

),

renamed as (

    select
        ---------- ids
        upper(trim(source.org_code)) as org_code,
        trim(source.org_name) as org_name,
        source._period as period_start,
        ---------- sheet, standard and breakdown
        source.sheet as sheet_name,
        case
            when upper(source.sheet) like '28-DAY FDS%' then 'fds_28d'
            when upper(source.sheet) like '31-DAY%' then '31d'
            when upper(source.sheet) like '62-DAY%' then '62d'
            when upper(source.sheet) like 'USC REFERRAL%' then 'usc_first_seen'
            when upper(source.sheet) like 'UBS REFERRAL%' then 'ubs_first_seen'
        end as standard,
        source.part as part_label,
        substring(source.part from '^PART ([A-Z])') as part_code,
        trim(source.referral_route) as referral_route,
        trim(source.treatment_stage) as treatment_stage,
        trim(source.cancer_type) as cancer_type,
        trim(source.treatment_modality) as treatment_modality,
        trim(source.suspected_cancer) as suspected_cancer,
        trim(source.referral_reason) as referral_reason,
        ---------- headline counts (fractions kept)
        source.total::numeric as total,
        source.within_standard::numeric as within_standard,
        source.after_standard::numeric as after_standard,
        source.performance::numeric as published_performance,
        ---------- day bands (which ones a row has depends on the standard)
        source.within_14_days::numeric as within_14_days,
        source.days_15_to_16::numeric as days_15_to_16,
        source.days_17_to_21::numeric as days_17_to_21,
        source.days_22_to_28::numeric as days_22_to_28,
        source.days_15_to_28::numeric as days_15_to_28,
        source.after_28_days::numeric as after_28_days,
        source.days_29_to_42::numeric as days_29_to_42,
        source.within_31_days::numeric as within_31_days,
        source.days_32_to_38::numeric as days_32_to_38,
        source.days_39_to_48::numeric as days_39_to_48,
        source.days_43_to_62::numeric as days_43_to_62,
        source.days_49_to_62::numeric as days_49_to_62,
        source.after_62_days::numeric as after_62_days,
        source.days_63_to_76::numeric as days_63_to_76,
        source.days_77_to_90::numeric as days_77_to_90,
        source.days_91_to_104::numeric as days_91_to_104,
        source.after_104_days::numeric as after_104_days,
        ---------- lineage
        source._layout as layout_name,
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source
    where
        nullif(trim(source.org_code), '') is not null
        and source._layout like 'cwt_2023_10%'

),

latest as (

    select
        renamed.*,
        vintages.month_vintage as vintage,
        vintages.revision
    from renamed
    inner join vintages
        on
        renamed.load_id = vintages.load_id
        and renamed.period_start = vintages.period_start
    where vintages.is_latest_of_layout

)

select * from latest
