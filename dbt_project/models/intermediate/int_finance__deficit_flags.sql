-- Whether each trust is in financial deficit or receiving deficit support (the NOF
-- `Trust_in_financial_deficit` flag, DOMAIN.md trap 2), one row per trust and month: a quarterly
-- position applies to each month of its quarter.
with

positions as (

    select * from {{ ref('stg_finance__positions') }}

),

months as (

    select
        positions.org_code,
        month_start::date as period_start,
        positions.is_deficit_flag,
        positions.period_label,
        positions.source_file,
        positions.source_row,
        row_number() over (
            partition by positions.org_code, month_start::date
            order by positions.period_end - positions.period_start, positions.period_start desc
        ) as preference
    from positions
    cross join lateral generate_series(
        positions.period_start, positions.period_end, interval '1 month'
    ) as month_start

),

final as (

    -- a monthly position, where there is one, wins over the quarter's
    select org_code, period_start, is_deficit_flag, period_label, source_file, source_row
    from months
    where preference = 1

)

select * from final
