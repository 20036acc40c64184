-- Every judgement decision on record (seed decisions.csv and table raw.decisions), one row each:
-- what it sets, for whom, from when to when, who decided, when, why and the source.
with

decisions as (

    select * from {{ ref('stg_decisions__decisions') }}

),

final as (

    select
        decision_id,
        org_code,
        framework_version,
        decision_type,
        segment,
        effective_from,
        effective_to,
        decided_by,
        decided_on,
        reason,
        source_document,
        evidence,
        recorded_in
    from decisions

)

select * from final
