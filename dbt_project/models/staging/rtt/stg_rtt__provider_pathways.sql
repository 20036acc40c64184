-- RTT full extract, one row per provider x commissioner x RTT part x treatment function and month,
-- typed and renamed, latest vintage of each month. The 105 week bands are kept in raw; here they
-- are summed into the bands the metrics use (a blank band is 0: the publisher leaves bands blank
-- where there is nothing to report). `C_999` / Total rows are the sum of the treatment functions:
-- use one or the other, never both (is_total_treatment_function).
{%- set bands = [] -%}
{%- for week in range(104) -%}
    {%- do bands.append('gt_%02d_to_%02d_weeks' % (week, week + 1)) -%}
{%- endfor -%}
{%- do bands.append('gt_104_weeks') -%}
{%- set counts = [] -%}
{%- for band in bands -%}
    {%- do counts.append("coalesce(nullif(source." ~ band ~ ", '')::numeric, 0)") -%}
{%- endfor -%}
{%- set plus = '\n            + ' %}

with

source as (

    select * from {{ validated_rows('rtt_full_extract') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

renamed as (

    select
        ---------- ids
        source._period as period_start,
        source.provider_org_code,
        trim(source.provider_org_name) as provider_org_name,
        source.provider_parent_org_code,
        trim(source.provider_parent_name) as provider_parent_name,
        source.commissioner_org_code,
        trim(source.commissioner_org_name) as commissioner_org_name,
        source.commissioner_parent_org_code,
        trim(source.commissioner_parent_name) as commissioner_parent_name,
        source.rtt_part_type,
        source.rtt_part_description,
        source.treatment_function_code,
        source.treatment_function_name,
        source.treatment_function_code = 'C_999' as is_total_treatment_function,
        ---------- week bands, summed (weeks waited since the clock start)
        {{ counts[:18] | join(plus) }} as pathways_0_to_18_weeks,
        {{ counts[18:] | join(plus) }} as pathways_over_18_weeks,
        {{ counts[52:] | join(plus) }} as pathways_over_52_weeks,
        {{ counts[65:] | join(plus) }} as pathways_over_65_weeks,
        {{ counts[78:] | join(plus) }} as pathways_over_78_weeks,
        coalesce(nullif(source.gt_104_weeks, '')::numeric, 0) as pathways_over_104_weeks,
        ---------- the spans between those bands (for the band-order test: cheaper than comparing
        ---------- the overlapping sums, which PostgreSQL computes again for every mention)
        {{ counts[18:52] | join(plus) }} as pathways_18_to_52_weeks,
        {{ counts[52:65] | join(plus) }} as pathways_52_to_65_weeks,
        {{ counts[65:78] | join(plus) }} as pathways_65_to_78_weeks,
        {{ counts[78:104] | join(plus) }} as pathways_78_to_104_weeks,
        ---------- totals as published (null where the publisher leaves them blank)
        nullif(source.total, '')::numeric as total,
        nullif(source.patients_with_unknown_clock_start_date, '')::numeric as unknown_clock_start,
        nullif(source.total_all, '')::numeric as total_all,
        ---------- lineage
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source

),

latest as (

    select
        renamed.*,
        renamed.pathways_0_to_18_weeks + renamed.pathways_over_18_weeks as pathways_in_week_bands,
        loads.vintage,
        loads.revision
    from renamed
    inner join loads
        on renamed.load_id = loads.load_id
    where loads.is_latest_vintage

),

final as (

    select
        period_start,
        provider_org_code,
        provider_org_name,
        provider_parent_org_code,
        provider_parent_name,
        commissioner_org_code,
        commissioner_org_name,
        commissioner_parent_org_code,
        commissioner_parent_name,
        rtt_part_type,
        rtt_part_description,
        treatment_function_code,
        treatment_function_name,
        is_total_treatment_function,
        pathways_0_to_18_weeks,
        pathways_over_18_weeks,
        pathways_over_52_weeks,
        pathways_over_65_weeks,
        pathways_over_78_weeks,
        pathways_over_104_weeks,
        pathways_18_to_52_weeks,
        pathways_52_to_65_weeks,
        pathways_65_to_78_weeks,
        pathways_78_to_104_weeks,
        pathways_in_week_bands,
        total,
        unknown_clock_start,
        total_all,
        load_id,
        source_file,
        source_row,
        vintage,
        revision
    from latest

)

select * from final
