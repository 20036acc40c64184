-- Cancer waiting times performance per provider and month for the three standards in force since
-- October 2023, from whichever cancer file is newest for that month (stg_cancer__month_vintages):
--   provider workbook     the headline row of each standard's "all" sheet:
--       cancer_28d_fds_pct  sheet 28-DAY FDS (ALL ROUTES), route ALL ROUTES
--       cancer_31d_pct      sheet 31-DAY (ALL CANCER), part A (ALL STAGES, ALL CANCERS)
--       cancer_62d_pct      sheet 62-DAY (ALL CANCER), part A (ALL ROUTES, ALL CANCERS)
--   CWT-CRS data extract  no ALL ROUTES / ALL STAGES rows: the sum of the provider's rows of the
--       month and standard (FDS: every row; 31 and 62 days: the ALL CANCERS rows, one per stage or
--       route and modality); source_row is the first of the summed rows
--   Monthly Combined Workbook  the headline row: Cancer Type ALL CANCERS, route ALL ROUTES or stage
--       ALL STAGES, modality ALL MODALITIES or blank
-- For a provider, month and metric the value comes from the newest file that has it (a newer file
-- that lacks the provider does not blank an older one's figure). Numerator and denominator keep the
-- half-patients of shared 62-day pathways (e.g. 179.5 / 241). Definitions: seed metric_catalogue.
with

workbook as (

    select * from {{ ref('stg_cancer__provider_monthly') }}

),

extract_rows as (

    select * from {{ ref('stg_cancer__provider_extract') }}

),

combined as (

    select * from {{ ref('stg_cancer__combined_provider') }}

),

vintages as (

    select * from {{ ref('stg_cancer__month_vintages') }}

),

workbook_headline as (

    select
        org_code,
        period_start,
        case upper(sheet_name)
            when '28-DAY FDS (ALL ROUTES)' then 'cancer_28d_fds_pct'
            when '31-DAY (ALL CANCER)' then 'cancer_31d_pct'
            when '62-DAY (ALL CANCER)' then 'cancer_62d_pct'
        end as metric_id,
        within_standard as numerator,
        total as denominator,
        source_file,
        source_row,
        load_id
    from workbook
    where
        (
            upper(sheet_name) = '28-DAY FDS (ALL ROUTES)'
            and upper(referral_route) = 'ALL ROUTES'
        )
        or (
            upper(sheet_name) = '31-DAY (ALL CANCER)'
            and upper(treatment_stage) = 'ALL STAGES'
            and upper(cancer_type) = 'ALL CANCERS'
        )
        or (
            upper(sheet_name) = '62-DAY (ALL CANCER)'
            and upper(referral_route) = 'ALL ROUTES'
            and upper(cancer_type) = 'ALL CANCERS'
        )

),

extract_headline as (

    select
        org_code,
        period_start,
        case standard
            when 'fds_28d' then 'cancer_28d_fds_pct'
            when '31d' then 'cancer_31d_pct'
            when '62d' then 'cancer_62d_pct'
        end as metric_id,
        sum(within_standard) as numerator,
        sum(total) as denominator,
        min(source_file) as source_file,
        min(source_row) as source_row,
        load_id
    from extract_rows
    where standard = 'fds_28d' or upper(cancer_type) = 'ALL CANCERS'
    group by org_code, period_start, standard, load_id

),

combined_headline as (

    select
        org_code,
        period_start,
        case standard
            when 'fds_28d' then 'cancer_28d_fds_pct'
            when '31d' then 'cancer_31d_pct'
            when '62d' then 'cancer_62d_pct'
        end as metric_id,
        within_standard as numerator,
        total as denominator,
        source_file,
        source_row,
        load_id
    from combined
    where
        upper(cancer_type) = 'ALL CANCERS'
        and upper(stage_route) in ('ALL ROUTES', 'ALL STAGES')
        and coalesce(upper(treatment_modality), 'ALL MODALITIES') = 'ALL MODALITIES'

),

candidates as (

    select * from workbook_headline
    union all
    select * from extract_headline
    union all
    select * from combined_headline

),

newest as (

    select
        candidates.*,
        row_number() over (
            partition by candidates.org_code, candidates.period_start, candidates.metric_id
            order by vintages.month_vintage desc
        ) as newness
    from candidates
    inner join vintages
        on
        candidates.load_id = vintages.load_id
        and candidates.period_start = vintages.period_start

),

final as (

    select
        org_code,
        period_start,
        (period_start + interval '1 month' - interval '1 day')::date as period_end,
        metric_id,
        numerator,
        denominator,
        round(100 * {{ safe_divide('numerator', 'denominator') }}, 4) as value,
        '%' as unit,
        'cancer' as source_name,
        source_file,
        source_row,
        load_id
    from newest
    where newness = 1 and denominator > 0

)

select * from final
