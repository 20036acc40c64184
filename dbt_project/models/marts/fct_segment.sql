-- One row per trust, period and framework version: the segment, its status and coverage, and the
-- rule or decision that set it. Every framework version is computed side by side at its own period
-- grain (seed framework_versions.period_grain: NOF 2025/26 by quarter, period_start..period_end
-- bounding the quarter; SOF 2016/17 and NOF 2021/22 by month); is_applicable_version marks the
-- version that applies to the period. segment_status: segmented | indicative (below the minimum
-- coverage of seed coverage_rules, or the deficit cap undecidable; segment_range_low..high is its
-- likely range, no league rank) | insufficient_data (segment null). Coverage per domain:
-- fct_segment_domain_coverage.
with

nof_2025_26 as (

    select * from {{ ref('int_segments__nof_2025_26') }}

),

nof_2021_22 as (

    select * from {{ ref('int_segments__nof_2021_22') }}

),

sof_2016_17 as (

    select * from {{ ref('int_segments__sof_2016_17') }}

),

versions as (

    select * from {{ ref('framework_versions') }}

),

names as (

    select org_code, org_name from {{ ref('int_organisation__names') }}

),

data_version as (

    -- when the newest file behind the marts was loaded: the same on a re-run with no new files
    select max(loaded_at) as data_as_of from {{ ref('stg_warehouse__loads') }}

),

unioned as (

    select
        org_code, period_start, period_end, framework_version, peer_group, average_score, metrics_expected,
        metrics_scored, coverage, min_share_of_expected as minimum_coverage,
        require_every_domain as requires_every_domain, domains_expected, domains_scored, segment_status,
        status_reason, provisional_segment, is_in_deficit, deficit_status, deficit_source_file, deficit_source_row,
        segment,
        segment_range_low, segment_range_high, rule_id, rule_description, decision_id, is_indicative
    from nof_2025_26
    union all
    select
        org_code, period_start, (period_start + interval '1 month' - interval '1 day')::date as period_end,
        framework_version, peer_group, null::numeric as average_score, metrics_expected, metrics_scored,
        coverage, min_share_of_expected as minimum_coverage, false as requires_every_domain,
        null::integer as domains_expected, null::integer as domains_scored, segment_status,
        status_reason, provisional_segment, null::boolean as is_in_deficit, null::text as deficit_status,
        null::text as deficit_source_file, null::integer as deficit_source_row, segment,
        segment as segment_range_low, segment as segment_range_high, rule_id, rule_description, decision_id,
        is_indicative
    from nof_2021_22
    union all
    select
        org_code, period_start, (period_start + interval '1 month' - interval '1 day')::date as period_end,
        framework_version, peer_group, null::numeric as average_score, metrics_expected, metrics_scored,
        coverage, min_share_of_expected as minimum_coverage, false as requires_every_domain,
        null::integer as domains_expected, null::integer as domains_scored, segment_status,
        status_reason, provisional_segment, null::boolean as is_in_deficit, null::text as deficit_status,
        null::text as deficit_source_file, null::integer as deficit_source_row, segment,
        segment as segment_range_low, segment as segment_range_high, rule_id, rule_description, decision_id,
        is_indicative
    from sof_2016_17

),

final as (

    select
        ---------- keys
        unioned.framework_version,
        unioned.org_code,
        names.org_name,
        unioned.period_start,
        unioned.period_end,
        versions.period_grain,
        case when versions.period_grain = 'quarter'
                then
                    'Q' || (((extract(month from unioned.period_start)::integer + 8) % 12) / 3 + 1) || ' '
                    || (extract(year from unioned.period_start - interval '3 months'))::integer || '/'
                    || lpad(
                        ((extract(year from unioned.period_start - interval '3 months'))::integer % 100 + 1)::text,
                        2,
                        '0'
                    )
            else to_char(unioned.period_start, 'YYYY-MM')
        end as period_label,
        unioned.peer_group,
        ---------- status and coverage
        unioned.segment_status,
        unioned.status_reason,
        unioned.metrics_expected,
        unioned.metrics_scored,
        unioned.coverage,
        unioned.minimum_coverage,
        unioned.requires_every_domain,
        unioned.domains_expected,
        unioned.domains_scored,
        ---------- measures
        unioned.average_score,
        unioned.provisional_segment,
        unioned.is_in_deficit,
        unioned.deficit_status,
        unioned.segment,
        unioned.segment_range_low,
        unioned.segment_range_high,
        ---------- rule
        unioned.rule_id,
        unioned.rule_description,
        unioned.decision_id,
        unioned.is_indicative,
        unioned.period_start between versions.valid_from and versions.valid_to as is_applicable_version,
        ---------- lineage
        unioned.deficit_source_file,
        unioned.deficit_source_row,
        data_version.data_as_of
    from unioned
    inner join versions
        on unioned.framework_version = versions.framework_version
    left join names
        on unioned.org_code = names.org_code
    cross join data_version

)

select * from final
