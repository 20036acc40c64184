-- Domain scores: the mean of a trust's metric scores within each domain (seed metric_catalogue
-- gives each metric's domain), and the domain segment from seed nof_domain_cut_points (the
-- domain's own cut points where published, else the 'default' rows).
with

scores as (

    select * from {{ ref('int_metric_scores__ranked') }}

),

catalogue as (

    select metric_id, domain from {{ ref('metric_catalogue') }}

),

cut_points as (

    select * from {{ ref('nof_domain_cut_points') }}

),

domain_scores as (

    select
        scores.org_code,
        scores.period_start,
        scores.framework_version,
        scores.peer_group,
        catalogue.domain,
        round(avg(scores.metric_score), 2) as domain_score,
        count(*)::integer as metrics_scored
    from scores
    inner join catalogue
        on scores.metric_id = catalogue.metric_id
    group by 1, 2, 3, 4, 5

),

domain_has_cut_points as (

    select distinct framework_version, domain from cut_points

),

segmented as (

    select
        domain_scores.*,
        cut.segment as domain_segment,
        cut.rule_id as domain_rule_id,
        cut.lower_bound as domain_cut_point
    from domain_scores
    left join domain_has_cut_points as own
        on domain_scores.framework_version = own.framework_version
        and domain_scores.domain = own.domain
    cross join lateral (
        select *
        from cut_points
        where cut_points.framework_version = domain_scores.framework_version
            and cut_points.domain = case when own.domain is not null then domain_scores.domain else 'default' end
            and domain_scores.domain_score >= cut_points.lower_bound
        order by cut_points.lower_bound desc
        limit 1
    ) as cut

),

final as (

    select
        org_code,
        period_start,
        framework_version,
        peer_group,
        domain,
        domain_score,
        metrics_scored,
        domain_segment,
        domain_rule_id,
        domain_cut_point,
        (1 + floor(4.0 * (rank() over (
            partition by framework_version, period_start, peer_group, domain order by domain_score
        ) - 1) / count(*) over (partition by framework_version, period_start, peer_group, domain)))::integer
            as domain_quartile
    from segmented

)

select * from final
