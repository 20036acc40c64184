-- Metric scores 1.00 (best) to 4.00 (worst) within peer group, per framework version.
-- Which metric is scored for which peer group and how, and which peer subgroups the metric
-- specification excludes: seed framework_metrics.
-- rank_linear: competition rank of the value within the peer group (polarity from seed
-- metric_catalogue; ties share the best rank), mapped linearly onto 1.00-4.00:
--     score = 1 + 3 * (rank - 1) / (peers - 1)        (a peer group of one scores 1.00)
-- quartile = 1 + floor(4 * (rank - 1) / peers), so quartile 1 is the best quarter.
with

metric_values as (

    select * from {{ ref('int_metric_values__periods') }}

),

versions as (

    select framework_version, period_grain from {{ ref('framework_versions') }}

),

organisations as (

    select org_code, peer_group, peer_subgroup from {{ ref('int_organisation__peer_grouped') }}

),

scoring_rules as (

    select * from {{ ref('framework_metrics') }}

),

catalogue as (

    select metric_id, polarity from {{ ref('metric_catalogue') }}

),

scoped as (

    select
        metric_values.org_code,
        metric_values.period_start,
        metric_values.period_end,
        metric_values.metric_id,
        scoring_rules.framework_version,
        organisations.peer_group,
        metric_values.value,
        catalogue.polarity,
        scoring_rules.rule_id as scoring_rule_id,
        scoring_rules.scoring_method
    from metric_values
    inner join organisations
        on metric_values.org_code = organisations.org_code
    inner join scoring_rules
        on metric_values.metric_id = scoring_rules.metric_id
        and organisations.peer_group = scoring_rules.peer_group
    inner join catalogue
        on metric_values.metric_id = catalogue.metric_id
    -- each framework scores the values of its own period grain (month or quarter)
    inner join versions
        on scoring_rules.framework_version = versions.framework_version
        and metric_values.period_grain = versions.period_grain
    where metric_values.value is not null
        and scoring_rules.scoring_method = 'rank_linear'
        -- the metric specification's exclusions, e.g. RTT (OF0023) leaves out specialist acute trusts
        and coalesce(organisations.peer_subgroup, '') <> all(
            string_to_array(coalesce(scoring_rules.excluded_peer_subgroups, ''), ';')
        )

),

ranked as (

    select
        scoped.*,
        rank() over (
            partition by framework_version, period_start, metric_id, peer_group
            order by case when polarity = 'higher_is_better' then -value else value end
        ) as rank_in_peer_group,
        count(*) over (partition by framework_version, period_start, metric_id, peer_group) as peers_in_group
    from scoped

),

scored as (

    select
        org_code,
        period_start,
        period_end,
        metric_id,
        framework_version,
        peer_group,
        value,
        polarity,
        rank_in_peer_group::integer as rank_in_peer_group,
        peers_in_group::integer as peers_in_group,
        round(
            case
                when peers_in_group = 1 then 1
                else 1 + 3.0 * (rank_in_peer_group - 1) / (peers_in_group - 1)
            end,
            2
        ) as metric_score,
        (1 + floor(4.0 * (rank_in_peer_group - 1) / peers_in_group))::integer as quartile,
        scoring_rule_id,
        scoring_method
    from ranked

)

select * from scored
