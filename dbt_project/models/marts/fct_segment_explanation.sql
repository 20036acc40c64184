-- One row per contributing item of every trust x period x framework segment: metric scores with
-- the values scored, the cut point reached, the deficit cap, triggers (met or not), and recorded
-- decisions, each with the rule (seed row) and the source file and row it came from. Answers
-- "why is this trust in segment 3?" from this mart alone.
with

items as (

    select * from {{ ref('int_segment_explanations') }}

),

segments as (

    select org_code, period_start, framework_version, segment from {{ ref('fct_segment') }}

),

names as (

    select org_code, org_name from {{ ref('int_organisation__names') }}

),

final as (

    select
        ---------- keys
        items.org_code,
        names.org_name,
        items.period_start,
        items.framework_version,
        segments.segment,
        row_number() over (
            partition by items.org_code, items.period_start, items.framework_version
            order by items.contributes desc, case items.item_type
                when 'decision' then 1 when 'deficit_cap' then 2 when 'cut_point' then 3
                when 'coverage' then 4 when 'trigger' then 5 else 6
            end,
            items.item_id,
            items.rule_id
        )::integer as item_order,
        ---------- the item
        items.item_type,
        items.item_id,
        items.description,
        items.observed_value,
        items.score,
        items.threshold,
        items.contributes,
        ---------- where it comes from
        items.rule_id,
        items.source_file,
        items.source_row
    from items
    left join names
        on items.org_code = names.org_code
    inner join segments
        on items.org_code = segments.org_code
        and items.period_start = segments.period_start
        and items.framework_version = segments.framework_version

)

select * from final
