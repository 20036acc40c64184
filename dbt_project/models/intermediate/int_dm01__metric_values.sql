-- DM01 diagnostics: % of the waiting list waiting 6 weeks or more, per provider and month, as
-- numerator (waiting 6+ weeks), denominator (total waiting list) and percentage.
-- Definition: seed metric_catalogue (dm01_6wk_pct); lower is better, standard 1 %.
with

waiting_list as (

    select * from {{ ref('stg_dm01__provider_monthly') }}

),

final as (

    select
        org_code,
        period_start,
        (period_start + interval '1 month' - interval '1 day')::date as period_end,
        'dm01_6wk_pct' as metric_id,
        waiting_6wk_plus as numerator,
        total_waiting_list as denominator,
        round(100 * {{ safe_divide('waiting_6wk_plus', 'total_waiting_list') }}, 4) as value,
        '%' as unit,
        'dm01' as source_name,
        source_file,
        source_row,
        load_id
    from waiting_list
    where total_waiting_list > 0

)

select * from final
