-- NHS Staff Survey metrics per organisation and survey year (period = the survey's calendar year),
-- from two files:
-- 1. the publisher's organisation workbook (NSS<yy> detailed spreadsheets, stg_staff_survey__
--    detailed_results): every metric of seed staff_survey_question_metrics, including the NOF
--    2025/26 staff engagement theme (OF0084, staff_engagement_score, 0-10) and raising concerns
--    (OF0061, staff_raising_concerns_score, People Promise PP3_2, 0-10); scores: numerator = score x
--    base, denominator = base, value = the published score; percentages as below;
-- 2. the researchers' merged file (2021 onwards), which has no engagement theme and no raising-
--    concerns sub-score; these are the rates it carries (NSS question numbers as in the 2022-2024
--    questionnaires):
--   staff_burnout_pct                 burned_out_rate        Q12b often or always burnt out because of work
--   staff_work_stress_pct             stress_rate            Q11c felt unwell from work-related stress (12 months)
--   staff_enough_staff_pct            enough_staff_rate      Q3i agree: enough staff to do my job properly
--   staff_harassment_public_pct       emotional_public_rate  Q14a harassment, bullying or abuse from patients/public
--   staff_harassment_managers_pct     emotional_manager_rate Q14b ... from managers
--   staff_harassment_colleagues_pct   emotional_colleagues_rate Q14c ... from other colleagues
-- Numerator and denominator are respondents: denominator = the question's base (respondents who
-- answered), numerator = rate x base / 100 (weighted by occupation group for trusts, so it can be
-- fractional); value = 100 x numerator / denominator, which is the published rate.
-- Where both files give a metric for the same organisation and year, the publisher's workbook wins
-- (the merged file is derived from it).
with

results as (

    select * from {{ ref('stg_staff_survey__organisation_results') }}

),

detailed as (

    select * from {{ ref('stg_staff_survey__detailed_results') }}

),

question_metrics as (

    select * from {{ ref('staff_survey_question_metrics') }}

),

detailed_metrics as (

    select
        detailed.org_code,
        detailed.period_start,
        detailed.period_end,
        question_metrics.metric_id,
        min(question_metrics.combination) as combination,
        sum(detailed.value) as answer_sum,
        count(*) as answers,
        count(detailed.value) as answers_published,
        max(detailed.base) as base,
        min(detailed.source_file) as source_file,
        min(detailed.source_row) as source_row,
        min(detailed.load_id) as load_id
    from detailed
    inner join question_metrics
        on
        detailed.sheet_name = question_metrics.sheet
        and detailed.question = question_metrics.question
        and detailed.response = question_metrics.response
    group by detailed.org_code, detailed.period_start, detailed.period_end, question_metrics.metric_id

),

from_detailed as (

    select
        org_code,
        period_start,
        period_end,
        metric_id,
        case combination
            when 'score' then answer_sum * base
            when 'sum' then answer_sum * base / 100
            when '100_minus_sum' then (100 - answer_sum) * base / 100
        end as numerator,
        base as denominator,
        case when combination = 'score' then round(answer_sum, 4) end as score,
        case when combination = 'score' then 'score (0-10)' else '%' end as unit,
        'staff_survey_detailed' as source_name,
        source_file,
        source_row,
        load_id
    from detailed_metrics
    where answers_published = answers and base > 0

),

unpivoted as (

    {%- set metrics = [
        ('staff_burnout_pct', 'burned_out'),
        ('staff_work_stress_pct', 'stress'),
        ('staff_enough_staff_pct', 'enough_staff'),
        ('staff_harassment_public_pct', 'emotional_public'),
        ('staff_harassment_managers_pct', 'emotional_manager'),
        ('staff_harassment_colleagues_pct', 'emotional_colleagues'),
    ] %}
    {%- for metric_id, question in metrics %}

        select
            org_code,
            period_start,
            period_end,
            '{{ metric_id }}' as metric_id,
            {{ question }}_rate * {{ question }}_base / 100 as numerator,
            {{ question }}_base as denominator,
            source_file,
            source_row,
            load_id
        from results
        where {{ question }}_rate is not null
            and {{ question }}_base > 0
        {% if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

from_merged as (

    select
        org_code,
        period_start,
        period_end,
        metric_id,
        numerator,
        denominator,
        null::numeric as score,
        '%' as unit,
        'staff_survey' as source_name,
        source_file,
        source_row,
        load_id
    from unpivoted

),

both_files as (

    select *, 1 as precedence from from_detailed
    union all
    select *, 2 as precedence from from_merged

),

final as (

    select
        org_code,
        period_start,
        period_end,
        metric_id,
        numerator,
        denominator,
        coalesce(score, round(100 * {{ safe_divide('numerator', 'denominator') }}, 4)) as value,
        unit,
        source_name,
        source_file,
        source_row,
        load_id
    from (
        select
            both_files.*,
            row_number() over (
                partition by org_code, period_start, metric_id order by precedence
            ) as preference
        from both_files
    ) as ranked
    where preference = 1

)

select * from final
