-- Provider financial positions from the user-maintained finance CSV (one file per period; a -v2
-- file supersedes its period), typed: one row per organisation and period. Latest vintage per
-- period type and start (a month file and a quarter file starting the same day are different
-- periods, which stg_warehouse__loads.is_latest_vintage would not tell apart).
-- is_deficit_flag = in deficit OR receiving deficit support: the meaning of NHS England's
-- Trust_in_financial_deficit flag (DOMAIN.md §1.5 and §5 trap 2), the input of the deficit cap.
with

source as (

    select * from {{ validated_rows('finance_positions') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

renamed as (

    select
        ---------- ids
        upper(trim(source.org_code)) as org_code,
        nullif(trim(source.org_name), '') as org_name,
        ---------- period
        trim(source.period) as period_label,
        case when trim(source.period) ~ ' Q[1-4]$' then 'quarter' else 'month' end as period_type,
        source._period as period_start,
        case
            when trim(source.period) ~ ' Q[1-4]$'
                then (source._period + interval '3 months' - interval '1 day')::date
            else (source._period + interval '1 month' - interval '1 day')::date
        end as period_end,
        ---------- flags
        trim(source.in_deficit) = 'Y' as is_in_deficit,
        trim(source.receiving_deficit_support) = 'Y' as is_receiving_deficit_support,
        ---------- amounts (surplus positive, deficit negative)
        nullif(replace(trim(source.plan), ',', ''), '')::numeric as plan_amount,
        nullif(replace(trim(source.actual), ',', ''), '')::numeric as actual_amount,
        trim(source.unit) as amount_unit,
        ---------- provenance
        nullif(trim(source.source_document), '') as source_document,
        nullif(trim(source.notes), '') as notes,
        ---------- lineage
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source

),

ranked as (

    select
        renamed.*,
        loads.vintage,
        loads.revision,
        dense_rank() over (
            partition by renamed.period_type, renamed.period_start
            order by loads.revision desc, renamed.load_id desc
        ) as vintage_rank
    from renamed
    inner join loads
        on renamed.load_id = loads.load_id

),

latest as (

    select
        ranked.org_code,
        ranked.org_name,
        ranked.period_label,
        ranked.period_type,
        ranked.period_start,
        ranked.period_end,
        ranked.is_in_deficit,
        ranked.is_receiving_deficit_support,
        ranked.is_in_deficit or ranked.is_receiving_deficit_support as is_deficit_flag,
        ranked.plan_amount,
        ranked.actual_amount,
        ranked.amount_unit,
        ranked.source_document,
        ranked.notes,
        ranked.load_id,
        ranked.source_file,
        ranked.source_row,
        ranked.vintage,
        ranked.revision
    from ranked
    where ranked.vintage_rank = 1

)

select * from latest
