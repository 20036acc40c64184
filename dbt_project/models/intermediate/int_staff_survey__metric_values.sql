-- NHS Staff Survey well-being metrics per organisation and survey year (period = the survey's
-- calendar year). The merged file has no engagement theme (NOF 2025/26 OF0084) and no raising-
-- concerns sub-score (OF0061); these are the closest rates it carries (NSS question numbers as in
-- the 2022-2024 questionnaires):
--   staff_burnout_pct                 burned_out_rate        Q12b often or always burnt out because of work
--   staff_work_stress_pct             stress_rate            Q11c felt unwell from work-related stress (12 months)
--   staff_enough_staff_pct            enough_staff_rate      Q3i agree: enough staff to do my job properly
--   staff_harassment_public_pct       emotional_public_rate  Q14a harassment, bullying or abuse from patients/public
--   staff_harassment_managers_pct     emotional_manager_rate Q14b ... from managers
--   staff_harassment_colleagues_pct   emotional_colleagues_rate Q14c ... from other colleagues
-- Numerator and denominator are respondents: denominator = the question's base (respondents who
-- answered), numerator = rate x base / 100 (weighted by occupation group for trusts, so it can be
-- fractional); value = 100 x numerator / denominator, which is the published rate.
with

results as (

    select * from {{ ref('stg_staff_survey__organisation_results') }}

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
        'staff_survey' as source_name,
        source_file,
        source_row,
        load_id
    from unpivoted

)

select * from final
