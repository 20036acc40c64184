-- One row per trust, period, framework version and domain: the domain score (mean of the trust's
-- metric scores in the domain), its quartile within the peer group and the domain segment.
with

domain_scores as (

    select * from {{ ref('int_domain_scores') }}

),

final as (

    select
        ---------- keys
        org_code,
        period_start,
        framework_version,
        domain,
        peer_group,
        ---------- measures
        domain_score,
        metrics_scored,
        domain_quartile,
        domain_segment,
        ---------- rule
        domain_rule_id,
        domain_cut_point
    from domain_scores

)

select * from final
