-- Metric values of NHS trusts (organisations in the ODS trust list), from every source.
-- Organisations that are not trusts (independent providers, GP-led urgent care) are left out.
-- Indexed for int_metric_values__quarters, which looks up the latest value of each trust, metric
-- and quarter end (at ten national years a sequential scan per lookup made that model quadratic).
{{ config(indexes=[{'columns': ['org_code', 'metric_id', 'period_end', 'period_start']}]) }}
with

ae as (

    select * from {{ ref('int_ae__metric_values') }}

),

dm01 as (

    select * from {{ ref('int_dm01__metric_values') }}

),

mhsds as (

    select * from {{ ref('int_mhsds__metric_values') }}

),

cancer as (

    select * from {{ ref('int_cancer__metric_values') }}

),

staff_survey as (

    select * from {{ ref('int_staff_survey__metric_values') }}

),

rtt as (

    select * from {{ ref('int_rtt__metric_values') }}

),

trusts as (

    select org_code from {{ ref('int_organisation__peer_grouped') }}

),

unioned as (

    select * from ae
    union all
    select * from dm01
    union all
    select * from mhsds
    union all
    select * from cancer
    union all
    select * from staff_survey
    union all
    select * from rtt

),

final as (

    select unioned.*
    from unioned
    inner join trusts
        on unioned.org_code = trusts.org_code

)

select * from final
