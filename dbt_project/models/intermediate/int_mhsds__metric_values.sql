-- MHSDS: % of adult acute mental health inpatients with a length of stay of 60 days or more
-- (NOF OF0063), per provider and reporting period, as numerator, denominator and percentage.
-- The numerator and denominator are two MHSDS measures of the provider's total row
-- (BREAKDOWN 'Provider', SECONDARY_LEVEL 'NONE'), mapped below. The measure ids are CONSTRUCTED
-- (the bundled sample's CONSTRUCTED_LOS60_NUM / _DEN): replace them with the published measure
-- ids when the real MHSDS file is in hand. A period where either measure is suppressed ("*") or
-- missing has no value (every metric value has a numerator and a denominator).
with

measures as (

    select * from {{ ref('stg_mhsds__provider_measures') }}
    where breakdown = 'Provider'
        and secondary_level = 'NONE'

),

measure_map as (

    select *
    from (
        values
        ('mhsds_los_over_60d_pct', 'CONSTRUCTED_LOS60_NUM', 'CONSTRUCTED_LOS60_DEN')
    ) as mapping (metric_id, numerator_measure_id, denominator_measure_id)

),

paired as (

    select
        numerator.org_code,
        numerator.reporting_period_start as period_start,
        numerator.reporting_period_end as period_end,
        measure_map.metric_id,
        numerator.measure_value as numerator,
        denominator.measure_value as denominator,
        numerator.source_file,
        numerator.source_row,
        numerator.load_id
    from measure_map
    inner join measures as numerator
        on measure_map.numerator_measure_id = numerator.measure_id
    inner join measures as denominator
        on measure_map.denominator_measure_id = denominator.measure_id
        and numerator.org_code = denominator.org_code
        and numerator.reporting_period_start = denominator.reporting_period_start
        and numerator.reporting_period_end = denominator.reporting_period_end
    where not numerator.is_suppressed
        and not denominator.is_suppressed

),

final as (

    select
        org_code,
        period_start,
        period_end,
        metric_id,
        numerator,
        denominator,
        round(100 * {{ safe_divide('numerator', 'denominator') }}, 4) as value,
        '%' as unit,
        'mhsds' as source_name,
        source_file,
        source_row,
        load_id
    from paired
    where denominator > 0

)

select * from final
