-- Every item that contributed to a segment, one row each, traceable to its source file and row:
-- metric scores (with the value scored), the cut point reached, the deficit cap, triggers, and
-- recorded decisions. Built per framework version from the models that set the segments.
with

scores as (

    select * from {{ ref('int_metric_scores__ranked') }}

),

metric_values as (

    select * from {{ ref('int_metric_values__periods') }}

),

versions as (

    select framework_version, period_grain from {{ ref('framework_versions') }}

),

nof_2025_26 as (

    select * from {{ ref('int_segments__nof_2025_26') }}

),

nof_2021_22 as (

    select * from {{ ref('int_segments__nof_2021_22') }}

),

sof_2016_17 as (

    select * from {{ ref('int_segments__sof_2016_17') }}

),

triggers as (

    select * from {{ ref('int_triggers__nof_2021_22') }}
    union all
    select * from {{ ref('int_triggers__sof_2016_17') }}

),

decisions as (

    select * from {{ ref('stg_decisions__decisions') }}

),

metric_items as (

    select
        scores.org_code,
        scores.period_start,
        scores.framework_version,
        'metric_score' as item_type,
        scores.metric_id as item_id,
        scores.metric_id || ' = ' || round(scores.value, 2) || ': rank ' || scores.rank_in_peer_group || ' of '
        || scores.peers_in_group || ' in peer group ' || scores.peer_group || ' -> score '
        || to_char(scores.metric_score, 'FM0.00') || ', quartile ' || scores.quartile as description,
        scores.value as observed_value,
        scores.metric_score as score,
        null::numeric as threshold,
        true as contributes,
        scores.scoring_rule_id as rule_id,
        metric_values.source_file,
        metric_values.source_row
    from scores
    inner join versions
        on scores.framework_version = versions.framework_version
    inner join metric_values
        on scores.org_code = metric_values.org_code
        and scores.period_start = metric_values.period_start
        and scores.metric_id = metric_values.metric_id
        and versions.period_grain = metric_values.period_grain
    where scores.framework_version in ('nof_2025_26', 'nof_2021_22')

),

cut_point_items as (

    select
        org_code, period_start, framework_version,
        'cut_point' as item_type,
        cut_point_rule_id as item_id,
        'average score ' || to_char(average_score, 'FM0.00') || ' of ' || metrics_scored
        || ' metric score(s) reaches the segment ' || provisional_segment || ' cut point '
        || to_char(cut_point, 'FM0.00') as description,
        average_score as observed_value,
        null::numeric as score,
        cut_point as threshold,
        true as contributes,
        cut_point_rule_id as rule_id,
        null::text as source_file,
        null::integer as source_row
    from nof_2025_26
    where provisional_segment is not null

),

coverage_items as (

    -- what was missing: one row for every segment row that is not `segmented` (and a non-contributing
    -- row with the coverage of every segmented one)
    select
        org_code, period_start, framework_version,
        'coverage' as item_type,
        segment_status as item_id,
        segment_status || ': ' || metrics_scored || ' of ' || metrics_expected || ' metrics scored'
        || coalesce('; ' || status_reason, '')
        || coalesce('; missing: ' || metrics_missing, '') as description,
        coverage as observed_value,
        null::numeric as score,
        min_share_of_expected as threshold,
        segment_status <> 'segmented' as contributes,
        coverage_rule_id as rule_id,
        null::text as source_file,
        null::integer as source_row
    from nof_2025_26
    union all
    select
        org_code, period_start, framework_version,
        'coverage' as item_type,
        segment_status as item_id,
        segment_status || ': ' || metrics_scored || ' of ' || metrics_expected || ' inputs with data'
        || coalesce('; ' || status_reason, '') as description,
        coverage as observed_value,
        null::numeric as score,
        min_share_of_expected as threshold,
        segment_status <> 'segmented' as contributes,
        coverage_rule_id as rule_id,
        null::text as source_file,
        null::integer as source_row
    from nof_2021_22
    union all
    select
        org_code, period_start, framework_version,
        'coverage' as item_type,
        segment_status as item_id,
        segment_status || ': ' || metrics_scored || ' of ' || metrics_expected || ' triggers with data'
        || coalesce('; ' || status_reason, '') as description,
        coverage as observed_value,
        null::numeric as score,
        min_share_of_expected as threshold,
        segment_status <> 'segmented' as contributes,
        coverage_rule_id as rule_id,
        null::text as source_file,
        null::integer as source_row
    from sof_2016_17

),

deficit_items as (

    select
        org_code, period_start, framework_version,
        'deficit_cap' as item_type,
        coalesce(deficit_rule_id, 'nof_2025_26.methodology_manual.deficit_cap') as item_id,
        case
            when deficit_rule_id is not null
                then 'in deficit or receiving deficit support: provisional segment ' || provisional_segment
                    || ' capped at ' || cap_result_segment
            when is_in_deficit
                then 'in deficit or receiving deficit support: segment ' || provisional_segment
                    || ' is not lifted (the cap only moves 1 and 2)'
            when is_deficit_flag_missing and is_cap_relevant_text = 'yes'
                then 'no finance position at the period end: deficit unknown, so the cap cannot be applied to '
                    || 'provisional segment ' || provisional_segment || ' (the segment could be 3)'
            when is_deficit_flag_missing
                then 'no finance position at the period end: deficit unknown (the cap '
                    || 'would not move segment ' || coalesce(provisional_segment::text, 'none') || ')'
            else 'not in deficit: no cap'
        end as description,
        is_in_deficit::integer::numeric as observed_value,
        null::numeric as score,
        null::numeric as threshold,
        deficit_rule_id is not null as contributes,
        coalesce(deficit_rule_id, 'nof_2025_26.methodology_manual.deficit_cap') as rule_id,
        deficit_source_file as source_file,
        deficit_source_row as source_row
    from (
        select
            *,
            case when provisional_segment in (1, 2) then 'yes' else 'no' end as is_cap_relevant_text
        from nof_2025_26
    ) as nof_2025_26
    where provisional_segment is not null

),

trigger_items as (

    select
        org_code, period_start, framework_version,
        'trigger' as item_type,
        trigger_id as item_id,
        evidence_text || case when is_met then ' [met]' when not is_met then ' [not met]' else ' [no data]' end
            as description,
        observed_value,
        null::numeric as score,
        threshold,
        coalesce(is_met, false) as contributes,
        rule_id,
        source_file,
        source_row
    from triggers

),

no_trigger_items as (

    select
        org_code, period_start, framework_version,
        'trigger' as item_type,
        'no_triggers' as item_id,
        'no trigger fired: segment 1 (maximum autonomy)' as description,
        0::numeric as observed_value,
        null::numeric as score,
        null::numeric as threshold,
        true as contributes,
        rule_id,
        null::text as source_file,
        null::integer as source_row
    from sof_2016_17
    where triggers_fired = 0 and decision_id is null and provisional_segment = 1

),

decided as (

    select org_code, period_start, framework_version, decision_id from nof_2025_26
    where decision_id is not null
    union all
    select org_code, period_start, framework_version, decision_id from nof_2021_22
    where decision_id is not null
    union all
    select org_code, period_start, framework_version, decision_id from sof_2016_17
    where decision_id is not null

),

decision_items as (

    select
        decided.org_code, decided.period_start, decided.framework_version,
        'decision' as item_type,
        decisions.decision_id as item_id,
        decisions.decision_type || ' by ' || decisions.decided_by || ' on ' || decisions.decided_on
        || ': segment ' || decisions.segment || ' (' || decisions.reason || '; ' || decisions.recorded_in
        || ')' as description,
        decisions.segment::numeric as observed_value,
        null::numeric as score,
        null::numeric as threshold,
        true as contributes,
        decisions.decision_id as rule_id,
        decisions.source_document as source_file,
        null::integer as source_row
    from decided
    inner join decisions
        on decided.decision_id = decisions.decision_id

),

final as (

    select * from metric_items
    union all
    select * from cut_point_items
    union all
    select * from coverage_items
    union all
    select * from deficit_items
    union all
    select * from trigger_items
    union all
    select * from no_trigger_items
    union all
    select * from decision_items

)

select * from final
