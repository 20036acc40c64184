-- Single Oversight Framework 2016/17-2018/19 triggers (DOMAIN.md §3.1), one row per trust, period
-- and trigger rule of seed segmentation_triggers: operational standards missed in two consecutive
-- months, CQC quality and well-led concerns, and the finance concern.
with

population as (

    select * from {{ ref('int_segment_population') }}

),

triggers as (

    select * from {{ ref('segmentation_triggers') }}
    where framework_version = 'sof_2016_17'

),

catalogue as (

    select metric_id, polarity from {{ ref('metric_catalogue') }}

),

metric_values as (

    select
        metric_values.*,
        lag(metric_values.value) over (
            partition by metric_values.org_code, metric_values.metric_id order by metric_values.period_start
        ) as previous_value,
        lag(metric_values.period_start) over (
            partition by metric_values.org_code, metric_values.metric_id order by metric_values.period_start
        ) as previous_period_start
    from {{ ref('int_metric_values__trusts') }} as metric_values

),

cqc as (

    select * from {{ ref('int_cqc__trust_ratings') }}

),

deficit as (

    select * from {{ ref('int_finance__deficit_flags') }}

),

operational as (

    select
        population.org_code,
        population.period_start,
        triggers.rule_id,
        triggers.trigger_id,
        triggers.candidate_segment,
        triggers.threshold,
        -- missed this month and the month before; unknown (null) when this month has no value, or it
        -- missed and the month before has none: missing data never counts as "standard met"
        case
            when mv.value is null then null
            when not (
                    case when catalogue.polarity = 'higher_is_better'
                            then mv.value < triggers.threshold
                        else mv.value > triggers.threshold
                    end
                ) then false
            when (mv.previous_period_start is distinct from (mv.period_start - interval '1 month')::date) then null
            when catalogue.polarity = 'higher_is_better' then mv.previous_value < triggers.threshold
            else mv.previous_value > triggers.threshold
        end as is_met,
        mv.value as observed_value,
        case
            when mv.value is null then triggers.parameter || ': no value this period'
            else triggers.parameter || ' ' || round(mv.value, 1) || ' this month, '
                || coalesce(round(mv.previous_value, 1)::text, 'none') || ' the month before; standard '
                || triggers.threshold
        end as evidence_text,
        mv.source_file,
        mv.source_row
    from population
    cross join triggers
    left join metric_values as mv
        on population.org_code = mv.org_code
        and population.period_start = mv.period_start
        and triggers.parameter = mv.metric_id
    left join catalogue
        on triggers.parameter = catalogue.metric_id
    where triggers.trigger_id = 'operational_standard_missed'

),

quality as (

    select
        population.org_code,
        population.period_start,
        triggers.rule_id,
        triggers.trigger_id,
        triggers.candidate_segment,
        triggers.threshold,
        case
            -- no finance position / no rating in force: unknown (null), never "no concern"
            when triggers.trigger_id = 'finance_concern' then deficit.is_deficit_flag
            else cqc.rating_score >= triggers.threshold
        end as is_met,
        case
            when triggers.trigger_id = 'finance_concern' then deficit.is_deficit_flag::integer
            else cqc.rating_score
        end::numeric as observed_value,
        case
            when triggers.trigger_id = 'finance_concern'
                then 'in deficit or receiving deficit support: '
                    || coalesce(deficit.is_deficit_flag::text, 'no finance position on record')
            when cqc.rated_from is null
                then 'CQC ' || case when triggers.trigger_id = 'leadership_concern' then 'well-led' else 'overall' end
                    || ': no rating in force'
            else 'CQC ' || lower(cqc.domain) || ': ' || cqc.rating || ' (published ' || cqc.rated_from || ')'
        end as evidence_text,
        case when triggers.trigger_id = 'finance_concern' then deficit.source_file else cqc.source_file end
            as source_file,
        case when triggers.trigger_id = 'finance_concern' then deficit.source_row else cqc.source_row end
            as source_row
    from population
    cross join triggers
    left join cqc
        on population.org_code = cqc.org_code
        and cqc.domain = case when triggers.trigger_id = 'leadership_concern' then 'Well-led' else 'Overall' end
        and population.period_end between cqc.rated_from and coalesce(cqc.rated_to, 'infinity'::date)
    left join deficit
        on population.org_code = deficit.org_code
        and population.period_start = deficit.period_start
    where triggers.trigger_id in ('cqc_concern', 'leadership_concern', 'finance_concern')

),

final as (

    select
        org_code, period_start, 'sof_2016_17' as framework_version, rule_id, trigger_id, candidate_segment,
        threshold, is_met, observed_value, evidence_text, source_file, source_row
    from operational
    union all
    select
        org_code, period_start, 'sof_2016_17' as framework_version, rule_id, trigger_id, candidate_segment,
        threshold, is_met, observed_value, evidence_text, source_file, source_row
    from quality

)

select * from final
