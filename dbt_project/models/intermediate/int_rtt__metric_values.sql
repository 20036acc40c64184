-- RTT incomplete pathways per provider and month (Part_2, summed over commissioners), as metric
-- values: the waiting list, % within 18 weeks, and waits over 52 weeks (count and %).
-- Only the C_999 / Total treatment-function rows are summed: they equal the sum of the treatment
-- functions, so adding both would double the waiting list. Patients with an unknown clock start
-- are not incomplete pathways: the total is `Total`, or `Total All` less unknown clock starts
-- (in the April 2026 extract `Total` is blank on Part_2 rows and `Total All` equals the bands).
-- Definitions: seed metric_catalogue (rtt_waiting_list, rtt_within_18_weeks_pct,
-- rtt_over_52_weeks_count, rtt_over_52_weeks_pct).
-- Incremental (issue 14; macros/incremental_state.sql): a run rebuilds only the months whose latest
-- vintage is not built yet; the RTT extract is ~180,000 rows a month, 22 M over ten years.
-- depends_on: {{ ref('stg_warehouse__loads') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period_start',
        post_hook=[
            "{{ drop_superseded_loads('rtt') if is_incremental() else 'select 1' }}",
            "{{ incremental_state_comment() }}",
        ],
    )
}}

with

pathways as (

    select * from {{ ref('stg_rtt__provider_pathways') }}

),

incomplete as (

    select
        provider_org_code as org_code,
        period_start,
        sum(coalesce(total, total_all - coalesce(unknown_clock_start, 0))) as incomplete_pathways,
        sum(pathways_0_to_18_weeks) as within_18_weeks,
        sum(pathways_over_52_weeks) as over_52_weeks,
        min(source_file) as source_file,
        min(source_row) as source_row,
        min(load_id) as load_id
    from pathways
    where rtt_part_type = 'Part_2'
        and is_total_treatment_function
    {% if is_incremental() -%}
        and {{ changed_period_rows('rtt') }}
    {%- endif %}
    group by provider_org_code, period_start

),

unpivoted as (

    select
        org_code, period_start, 'rtt_waiting_list' as metric_id,
        incomplete_pathways as numerator, incomplete_pathways as denominator, 'count' as unit,
        source_file, source_row, load_id
    from incomplete

    union all

    select
        org_code, period_start, 'rtt_within_18_weeks_pct' as metric_id,
        within_18_weeks as numerator, incomplete_pathways as denominator, '%' as unit,
        source_file, source_row, load_id
    from incomplete
    where incomplete_pathways > 0

    union all

    select
        org_code, period_start, 'rtt_over_52_weeks_count' as metric_id,
        over_52_weeks as numerator, incomplete_pathways as denominator, 'count' as unit,
        source_file, source_row, load_id
    from incomplete

    union all

    select
        org_code, period_start, 'rtt_over_52_weeks_pct' as metric_id,
        over_52_weeks as numerator, incomplete_pathways as denominator, '%' as unit,
        source_file, source_row, load_id
    from incomplete
    where incomplete_pathways > 0

),

final as (

    select
        org_code,
        period_start,
        (period_start + interval '1 month' - interval '1 day')::date as period_end,
        metric_id,
        numerator,
        denominator,
        case
            when unit = '%' then round(100 * {{ safe_divide('numerator', 'denominator') }}, 4)
            else numerator
        end as value,
        unit,
        'rtt' as source_name,
        source_file,
        source_row,
        load_id
    from unpivoted

)

select * from final
