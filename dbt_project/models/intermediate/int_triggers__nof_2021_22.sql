-- NOF 2021/22-2024/25 triggers, one row per trust, period and trigger rule of seed
-- segmentation_triggers: whether it fired, the observed value, the threshold and the evidence.
with

population as (

    select * from {{ ref('int_segment_population') }}

),

triggers as (

    select * from {{ ref('segmentation_triggers') }}
    where framework_version = 'nof_2021_22'

),

scores as (

    select * from {{ ref('int_metric_scores__ranked') }}
    where framework_version = 'nof_2021_22'

),

quartiles as (

    select
        org_code,
        period_start,
        count(*)::integer as metrics_scored,
        avg((quartile = 1)::integer) as share_in_quartile_1,
        avg((quartile = 4)::integer) as share_in_quartile_4
    from scores
    group by 1, 2

),

deficit as (

    select * from {{ ref('int_finance__deficit_flags') }}

),

cqc as (

    select * from {{ ref('int_cqc__trust_ratings') }}
    where domain = 'Overall'

),

facts as (

    select
        population.org_code,
        population.period_start,
        quartiles.metrics_scored,
        quartiles.share_in_quartile_1,
        quartiles.share_in_quartile_4,
        deficit.is_deficit_flag,
        deficit.source_file as deficit_source_file,
        deficit.source_row as deficit_source_row,
        cqc.rating_score as cqc_rating_score,
        cqc.rating as cqc_rating,
        cqc.source_file as cqc_source_file,
        cqc.source_row as cqc_source_row
    from population
    left join quartiles
        on population.org_code = quartiles.org_code
        and population.period_start = quartiles.period_start
    left join deficit
        on population.org_code = deficit.org_code
        and population.period_start = deficit.period_start
    left join cqc
        on population.org_code = cqc.org_code
        and population.period_end between cqc.rated_from and coalesce(cqc.rated_to, 'infinity'::date)

),

evaluated as (

    select
        facts.org_code,
        facts.period_start,
        'nof_2021_22' as framework_version,
        triggers.rule_id,
        triggers.trigger_id,
        triggers.candidate_segment,
        triggers.threshold,
        case triggers.trigger_id
            when 'default' then true
            when 'all_metrics_upper_quartile' then coalesce(facts.share_in_quartile_1 >= triggers.threshold, false)
            -- no rating in force is not Good: segment 1 needs a rating
            when 'cqc_good_or_better' then coalesce(facts.cqc_rating_score <= triggers.threshold, false)
            -- a missing finance position is unknown (null), never "not in deficit"
            when 'negative_variance_to_plan' then facts.is_deficit_flag
            when 'lower_quartile_metrics' then coalesce(facts.share_in_quartile_4 >= triggers.threshold, false)
            when 'cqc_inadequate' then coalesce(facts.cqc_rating_score >= triggers.threshold, false)
        end as is_met,
        case triggers.trigger_id
            when 'all_metrics_upper_quartile' then facts.share_in_quartile_1
            when 'lower_quartile_metrics' then facts.share_in_quartile_4
            when 'cqc_good_or_better' then facts.cqc_rating_score
            when 'cqc_inadequate' then facts.cqc_rating_score
            when 'negative_variance_to_plan' then facts.is_deficit_flag::integer
        end as observed_value,
        case triggers.trigger_id
            when 'all_metrics_upper_quartile'
                then 'share of ' || coalesce(facts.metrics_scored, 0) || ' scored metric(s) in the upper quartile: '
                    || coalesce(round(facts.share_in_quartile_1, 2)::text, 'none scored')
            when 'lower_quartile_metrics'
                then 'share of ' || coalesce(facts.metrics_scored, 0) || ' scored metric(s) in the lower quartile: '
                    || coalesce(round(facts.share_in_quartile_4, 2)::text, 'none scored')
            when 'cqc_good_or_better' then 'CQC overall: ' || coalesce(facts.cqc_rating, 'no rating in force')
            when 'cqc_inadequate' then 'CQC overall: ' || coalesce(facts.cqc_rating, 'no rating in force')
            when 'negative_variance_to_plan'
                then 'in deficit or receiving deficit support: '
                    || coalesce(facts.is_deficit_flag::text, 'no finance position on record')
            else triggers.description
        end as evidence_text,
        case
            when triggers.trigger_id like 'cqc%' then facts.cqc_source_file
            when triggers.trigger_id = 'negative_variance_to_plan' then facts.deficit_source_file
        end as source_file,
        case
            when triggers.trigger_id like 'cqc%' then facts.cqc_source_row
            when triggers.trigger_id = 'negative_variance_to_plan' then facts.deficit_source_row
        end as source_row
    from facts
    cross join triggers

),

final as (

    select * from evaluated

)

select * from final
