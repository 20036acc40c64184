-- One row per trust, period, framework version and domain: the domain score (mean of the trust's
-- metric scores in the domain), its quartile within the peer group and the domain segment.
with

domain_scores as (

    select * from {{ ref('int_domain_scores') }}

),

names as (

    select org_code, org_name from {{ ref('int_organisation__names') }}

),

final as (

    select
        ---------- keys
        org_code,
        org_name,
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
    left join names using (org_code)

)

select * from final
