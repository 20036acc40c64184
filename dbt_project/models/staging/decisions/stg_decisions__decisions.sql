-- Judgement decisions from the seed (version-controlled) and from raw.decisions (entered in the
-- warehouse), one row per decision. They are applied after the rules, never silently.
with

seeded as (

    select
        decision_id::text as decision_id,
        upper(trim(org_code::text)) as org_code,
        framework_version::text as framework_version,
        decision_type::text as decision_type,
        segment::integer as segment,
        effective_from::date as effective_from,
        nullif(effective_to::text, '')::date as effective_to,
        decided_by::text as decided_by,
        decided_on::date as decided_on,
        reason::text as reason,
        source_document::text as source_document,
        evidence::text as evidence,
        'seed recorded_decisions.csv' as recorded_in
    from {{ ref('recorded_decisions') }}

),

entered as (

    select
        decision_id,
        upper(trim(org_code)) as org_code,
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
        'table raw.decisions' as recorded_in
    from {{ source('raw', 'decisions') }}

),

final as (

    select * from seeded
    union all
    select * from entered

)

select * from final
