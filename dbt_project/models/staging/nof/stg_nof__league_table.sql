-- NHS Oversight Framework league tables, typed: one row per trust and quarter, from the latest
-- vintage of each trust type and quarter (same rule as stg_nof__published_metrics: the newest file
-- carrying the quarter, by file quarter, revision, arrival). Likely ranges "low - high" are split
-- into numeric bounds; the deficit flag Yes/No becomes a boolean.
with

source as (

    select * from {{ validated_rows('nof_league_table') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

renamed as (

    select
        ---------- trust
        trim(source.region) as region,
        trim(source.trust_type) as trust_type,
        trim(source.trust_subtype) as trust_subtype,
        upper(trim(source.trust_code)) as org_code,
        trim(source.trust_name) as org_name,
        case
            when source._source_file ~* '^nhs-oversight-framework-acute-' then 'acute'
            when source._source_file ~* '^nhs-oversight-framework-ambulance-' then 'ambulance'
            else 'non_acute'
        end as peer_group,
        ---------- period
        nullif(trim(source.quarter), '') as quarter_text,
        case
            when trim(source.quarter) ~* '^Q[1-4]\s+\d{4}\s*[/-]\s*\d{2}$'
                then (
                    make_date(substring(trim(source.quarter) from '(\d{4})')::integer, 4, 1)
                    + (3 * (substring(trim(source.quarter) from '^[Qq]([1-4])')::integer - 1)) * interval '1 month'
                )::date
            else source._period
        end as quarter_start,
        trim(source.reporting_date) as reporting_date,
        ---------- score, segment, rank
        trim(source.average_score)::numeric as average_score,
        nullif(trim(source.likely_range_of_average_score), '') as likely_range_of_average_score,
        substring(source.likely_range_of_average_score from '^\s*([0-9.]+)\s*(?:-|–|—|to)')::numeric
            as average_score_likely_low,
        substring(source.likely_range_of_average_score from '(?:-|–|—|to)\s*([0-9.]+)\s*$')::numeric
            as average_score_likely_high,
        trim(source.segment)::integer as segment,
        trim(source.trust_in_financial_deficit) = 'Yes' as is_in_financial_deficit,
        trim(source.rank)::integer as league_rank,
        nullif(trim(source.likely_range_of_rank), '') as likely_range_of_rank,
        substring(source.likely_range_of_rank from '^\s*([0-9]+)\s*(?:-|–|—|to)')::integer as league_rank_likely_low,
        substring(source.likely_range_of_rank from '(?:-|–|—|to)\s*([0-9]+)\s*$')::integer as league_rank_likely_high,
        ---------- lineage
        source._period as file_period_start,
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source

),

ranked as (

    select
        renamed.*,
        (renamed.quarter_start + interval '3 months' - interval '1 day')::date as quarter_end,
        loads.vintage,
        loads.revision,
        dense_rank() over (
            partition by renamed.peer_group, renamed.quarter_start
            order by renamed.file_period_start desc, loads.revision desc, renamed.load_id desc
        ) as vintage_rank
    from renamed
    inner join loads
        on renamed.load_id = loads.load_id

),

final as (

    select
        region,
        trust_type,
        trust_subtype,
        org_code,
        org_name,
        peer_group,
        quarter_text,
        quarter_start,
        quarter_end,
        reporting_date,
        average_score,
        likely_range_of_average_score,
        average_score_likely_low,
        average_score_likely_high,
        segment,
        is_in_financial_deficit,
        league_rank,
        likely_range_of_rank,
        league_rank_likely_low,
        league_rank_likely_high,
        file_period_start,
        load_id,
        source_file,
        source_row,
        vintage,
        revision
    from ranked
    where vintage_rank = 1

)

select * from final
