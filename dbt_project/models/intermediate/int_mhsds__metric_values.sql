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

measure_roles as (

    select
        measures.*,
        measure_map.metric_id,
        measures.measure_id = measure_map.numerator_measure_id as is_numerator
    from measure_map
    inner join measures
        on measures.measure_id in (measure_map.numerator_measure_id, measure_map.denominator_measure_id)

),

paired as (

    -- one group per provider, period and metric holding its numerator and denominator rows (at most
    -- one each: staging's unique_combination). Grouped rather than self-joined: the planner
    -- estimates one row for the staging view's trimmed filters and chose a nested loop, quadratic
    -- in the months loaded: 154 ms self-joined, 68 ms grouped at two national years (1,152 provider
    -- rows; the rest is the staging view's join with the loads).
    select
        org_code,
        reporting_period_start as period_start,
        reporting_period_end as period_end,
        metric_id,
        max(measure_value) filter (where is_numerator) as numerator,
        max(measure_value) filter (where not is_numerator) as denominator,
        max(source_file) filter (where is_numerator) as source_file,
        max(source_row) filter (where is_numerator) as source_row,
        max(load_id) filter (where is_numerator) as load_id,
        count(*) filter (where is_numerator and not is_suppressed) as numerators,
        count(*) filter (where not is_numerator and not is_suppressed) as denominators
    from measure_roles
    group by 1, 2, 3, 4

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
    where numerators = 1
        and denominators = 1
        and denominator > 0

)

select * from final
