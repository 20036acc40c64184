-- Coverage of each trust, period, framework version and domain: how many of the metrics the
-- framework scores for the trust's peer group (seed framework_metrics, less the peer subgroups the
-- specification excludes; unsourced metrics included) were scored, and why each other one was not
-- (not sourced by this warehouse / stale / no value for the period). Frameworks with no scored
-- metrics in framework_metrics (SOF 2016/17: triggers) have no rows here.
with

versions as (

    select framework_version, period_grain from {{ ref('framework_versions') }}

),

monthly_population as (

    select org_code, period_start, period_end, 'month' as period_grain from {{ ref('int_segment_population') }}

),

quarterly_population as (

    select distinct org_code, period_start, period_end, 'quarter' as period_grain
    from {{ ref('int_metric_values__quarters') }}

),

population as (

    select * from monthly_population
    union all
    select * from quarterly_population

),

organisations as (

    select org_code, peer_group, peer_subgroup from {{ ref('int_organisation__peer_grouped') }}

),

rules as (

    select * from {{ ref('framework_metrics') }}

),

catalogue as (

    select metric_id, domain, coalesce(is_sourced, true) as is_sourced from {{ ref('metric_catalogue') }}

),

scores as (

    select org_code, period_start, framework_version, metric_id from {{ ref('int_metric_scores__ranked') }}

),

stale as (

    select org_code, period_start, metric_id, unused_reason
    from {{ ref('int_metric_values__quarters') }}
    where not is_used

),

expected as (

    select
        rules.framework_version,
        population.org_code,
        population.period_start,
        population.period_end,
        organisations.peer_group,
        catalogue.domain,
        rules.metric_id,
        scores.metric_id is not null as is_scored,
        case
            when scores.metric_id is not null then null
            when not catalogue.is_sourced then 'not sourced by this warehouse'
            when stale.metric_id is not null then stale.unused_reason
            else 'no value for the period'
        end as missing_reason
    from population
    inner join versions
        on population.period_grain = versions.period_grain
    inner join organisations
        on population.org_code = organisations.org_code
    inner join rules
        on versions.framework_version = rules.framework_version
        and organisations.peer_group = rules.peer_group
        and coalesce(organisations.peer_subgroup, '') <> all(
            string_to_array(coalesce(rules.excluded_peer_subgroups, ''), ';')
        )
    inner join catalogue
        on rules.metric_id = catalogue.metric_id
    left join scores
        on population.org_code = scores.org_code
        and population.period_start = scores.period_start
        and rules.framework_version = scores.framework_version
        and rules.metric_id = scores.metric_id
    left join stale
        on versions.period_grain = 'quarter'
        and population.org_code = stale.org_code
        and population.period_start = stale.period_start
        and rules.metric_id = stale.metric_id

),

final as (

    select
        framework_version,
        org_code,
        period_start,
        max(period_end) as period_end,
        peer_group,
        domain,
        count(*)::integer as metrics_expected,
        (count(*) filter (where is_scored))::integer as metrics_scored,
        round((count(*) filter (where is_scored))::numeric / count(*), 4) as coverage,
        string_agg(metric_id || ' (' || missing_reason || ')', '; ' order by metric_id)
        filter (where not is_scored) as metrics_missing
    from expected
    group by framework_version, org_code, period_start, peer_group, domain

)

select * from final
