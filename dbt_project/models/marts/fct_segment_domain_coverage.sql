-- Coverage per trust, period, framework version and domain: the metrics the framework scores for
-- the trust's peer group in that domain (unsourced ones included), how many were scored, and why
-- each other one was not. The per-trust totals are in fct_segment (metrics_expected, metrics_scored).
with

coverage as (

    select * from {{ ref('int_segment_coverage__domains') }}

),

names as (

    select org_code, org_name from {{ ref('int_organisation__names') }}

),

final as (

    select
        ---------- keys
        coverage.framework_version,
        coverage.org_code,
        names.org_name,
        coverage.period_start,
        coverage.period_end,
        coverage.domain,
        coverage.peer_group,
        ---------- measures
        coverage.metrics_expected,
        coverage.metrics_scored,
        coverage.coverage,
        coverage.metrics_missing
    from coverage
    left join names
        on coverage.org_code = names.org_code

)

select * from final
