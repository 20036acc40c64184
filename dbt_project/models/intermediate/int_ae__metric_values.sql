-- A&E 4-hour performance per organisation and month, as numerator (within 4 hours),
-- denominator (attendances) and percentage, for all types and for type 1.
-- Definitions: seed metric_catalogue (ae_4hr_all_types, ae_4hr_type1).
with

attendances as (

    select * from {{ ref('stg_ae__provider_monthly') }}

),

totals as (

    select
        org_code,
        period_start,
        attendances_type1 + attendances_type2 + attendances_other
        + attendances_booked_type1 + attendances_booked_type2 + attendances_booked_other
            as attendances_all_types,
        over_4hrs_type1 + over_4hrs_type2 + over_4hrs_other
        + over_4hrs_booked_type1 + over_4hrs_booked_type2 + over_4hrs_booked_other
            as over_4hrs_all_types,
        attendances_type1 + attendances_booked_type1 as attendances_type1_total,
        over_4hrs_type1 + over_4hrs_booked_type1 as over_4hrs_type1_total,
        source_file,
        source_row,
        load_id
    from attendances

),

unpivoted as (

    select
        org_code,
        period_start,
        'ae_4hr_all_types' as metric_id,
        attendances_all_types - over_4hrs_all_types as numerator,
        attendances_all_types as denominator,
        source_file,
        source_row,
        load_id
    from totals
    where attendances_all_types > 0

    union all

    select
        org_code,
        period_start,
        'ae_4hr_type1' as metric_id,
        attendances_type1_total - over_4hrs_type1_total as numerator,
        attendances_type1_total as denominator,
        source_file,
        source_row,
        load_id
    from totals
    where attendances_type1_total > 0

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
        'ae' as source_name,
        source_file,
        source_row,
        load_id
    from unpivoted

)

select * from final
