-- Cancer waiting times performance per provider and month for the three standards in force since
-- October 2023, from the headline row of each standard's "all" sheet:
--   cancer_28d_fds_pct  sheet 28-DAY FDS (ALL ROUTES), route ALL ROUTES: told within 28 days / total
--   cancer_31d_pct      sheet 31-DAY (ALL CANCER), part A (ALL STAGES, ALL CANCERS): treated within 31 days / total
--   cancer_62d_pct      sheet 62-DAY (ALL CANCER), part A (ALL ROUTES, ALL CANCERS): treated within 62 days / total
-- Numerator and denominator keep the half-patients of shared 62-day pathways (e.g. 179.5 / 241).
-- Definitions: seed metric_catalogue.
with

providers as (

    select * from {{ ref('stg_cancer__provider_monthly') }}

),

headline as (

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
    from providers
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
    from headline
    where denominator > 0

)

select * from final
