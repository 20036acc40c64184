-- One row per trust, period, metric and framework version: the metric score 1.00 (best) to
-- 4.00 within the trust's peer group, and its quartile 1 (best) to 4.
with

scores as (

    select * from {{ ref('int_metric_scores__ranked') }}

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
        period_end,
        metric_id,
        framework_version,
        peer_group,
        ---------- measures
        value,
        polarity,
        rank_in_peer_group,
        peers_in_group,
        metric_score,
        quartile,
        ---------- rule
        scoring_rule_id,
        scoring_method
    from scores
    left join names using (org_code)

)

select * from final
