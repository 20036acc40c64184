-- Quarter values of every catalogued metric, per trust and financial-year quarter (Q1 = April-June),
-- formed as seed metric_catalogue.quarter_rule says, for the frameworks that segment by quarter
-- (seed framework_versions.period_grain = 'quarter': NOF 2025/26).
--   quarter_sum                    sum of the quarter's numerators / sum of its denominators (the
--                                  months the warehouse holds; months_used says how many)
--   quarter_last_month             the latest month of the quarter
--   latest_annual_at_quarter_end   the latest annual value whose period ended by the quarter end
--   position_at_quarter_end        the latest position dated by the quarter end
--   rating_at_quarter_end          (CQC: read by the triggers from int_cqc__trust_ratings, not here)
-- A value dated after the quarter end is never used (e.g. an April 2026 RTT extract for Q1
-- 2025/26), and a value older than max_age_months (months from the value's period end to the
-- quarter end) is kept with is_used = false and the reason, so the coverage can say what was stale.
-- The quarters: every quarter in which the trust has a monthly value of any metric.
with

metric_values as (

    select * from {{ ref('int_metric_values__trusts') }}

),

catalogue as (

    select metric_id, quarter_rule, max_age_months::integer as max_age_months
    from {{ ref('metric_catalogue') }}
    where quarter_rule is not null

),

monthly as (

    -- values of one month (or any period inside one quarter)
    select
        metric_values.*,
        date_trunc('quarter', metric_values.period_start)::date as quarter_start
    from metric_values
    where date_trunc('quarter', metric_values.period_start) = date_trunc('quarter', metric_values.period_end)

),

quarters as (

    select distinct
        org_code,
        quarter_start,
        (quarter_start + interval '3 months' - interval '1 day')::date as quarter_end
    from monthly

),

summed as (

    select
        monthly.org_code,
        monthly.quarter_start,
        monthly.metric_id,
        catalogue.quarter_rule,
        catalogue.max_age_months,
        sum(monthly.numerator) as numerator,
        sum(monthly.denominator) as denominator,
        round(100 * {{ safe_divide('sum(monthly.numerator)', 'sum(monthly.denominator)') }}, 4) as value,
        max(monthly.unit) as unit,
        max(monthly.source_name) as source_name,
        count(*)::integer as months_used,
        min(monthly.period_start) as value_period_start,
        max(monthly.period_end) as value_period_end,
        -- lineage: the quarter's last month held, and every file summed
        (array_agg(monthly.source_file order by monthly.period_start desc))[1] as source_file,
        (array_agg(monthly.source_row order by monthly.period_start desc))[1] as source_row,
        string_agg(distinct monthly.source_file, '; ') as source_files
    from monthly
    inner join catalogue
        on monthly.metric_id = catalogue.metric_id
    where catalogue.quarter_rule = 'quarter_sum'
        and monthly.numerator is not null
        and monthly.denominator is not null
    group by 1, 2, 3, 4, 5
    having sum(monthly.denominator) > 0

),

latest as (

    select
        quarters.org_code,
        quarters.quarter_start,
        catalogue.metric_id,
        catalogue.quarter_rule,
        catalogue.max_age_months,
        picked.numerator,
        picked.denominator,
        picked.value,
        picked.unit,
        picked.source_name,
        1 as months_used,
        picked.period_start as value_period_start,
        picked.period_end as value_period_end,
        picked.source_file,
        picked.source_row,
        picked.source_file as source_files
    from quarters
    cross join catalogue
    cross join
        lateral (
            -- the table itself, not the CTE (a CTE read twice is materialised, without the index)
            select *
            from {{ ref('int_metric_values__trusts') }} as metric_values
            where metric_values.org_code = quarters.org_code
                and metric_values.metric_id = catalogue.metric_id
                and metric_values.period_end <= quarters.quarter_end
                and metric_values.value is not null
            order by metric_values.period_end desc, metric_values.period_start desc
            limit 1
        ) as picked
    where catalogue.quarter_rule in (
            'quarter_last_month', 'latest_annual_at_quarter_end', 'position_at_quarter_end'
        )

),

unioned as (

    select * from summed
    union all
    select * from latest

),

final as (

    select
        unioned.org_code,
        unioned.quarter_start as period_start,
        quarters.quarter_end as period_end,
        'Q' || (((extract(month from unioned.quarter_start)::integer + 8) % 12) / 3 + 1) || ' '
        || (extract(year from unioned.quarter_start - interval '3 months'))::integer || '/'
        || lpad(((extract(year from unioned.quarter_start - interval '3 months'))::integer % 100 + 1)::text, 2, '0')
            as quarter_label,
        unioned.metric_id,
        unioned.numerator,
        unioned.denominator,
        unioned.value,
        unioned.unit,
        unioned.source_name,
        unioned.quarter_rule,
        unioned.months_used,
        unioned.value_period_start,
        unioned.value_period_end,
        (
            (extract(year from quarters.quarter_end) - extract(year from unioned.value_period_end)) * 12
            + extract(month from quarters.quarter_end) - extract(month from unioned.value_period_end))::integer
            as age_months,
        unioned.max_age_months,
        (
            (extract(year from quarters.quarter_end) - extract(year from unioned.value_period_end)) * 12
            + extract(month from quarters.quarter_end) - extract(month from unioned.value_period_end)
        )
        <= unioned.max_age_months as is_used,
        case
            when (
                (extract(year from quarters.quarter_end) - extract(year from unioned.value_period_end)) * 12
                + extract(month from quarters.quarter_end) - extract(month from unioned.value_period_end)
            )
            > unioned.max_age_months
                then 'stale: the latest value (period ending ' || unioned.value_period_end || ') is older than '
                    || unioned.max_age_months || ' month(s) at the quarter end'
        end as unused_reason,
        unioned.source_file,
        unioned.source_row,
        unioned.source_files
    from unioned
    inner join quarters
        on unioned.org_code = quarters.org_code
        and unioned.quarter_start = quarters.quarter_start

)

select * from final
