-- NHS Oversight Framework published metric data, typed, one row per trust x metric x reporting
-- date x units x quarter, from the latest vintage of each trust type and quarter.
-- Latest vintage: the publisher re-issues a file (-v2) and later quarters' files repeat earlier
-- quarters, so for each league table (trust type in the file name) and quarter the rows come from
-- the newest file that carries that quarter: latest file quarter, then revision, then arrival.
-- (stg_warehouse__loads.is_latest_vintage cannot be used: the acute, non-acute and ambulance files
-- of one quarter share source and period there.)
-- Reporting_date is kept as text and parsed into reporting_period_start / _end where its format is
-- known (DOMAIN.md §5 trap 7); reporting_date_format names the format, 'unparsed' otherwise.
with

source as (

    select * from {{ validated_rows('nof_metric_data') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

renamed as (

    select
        ---------- trust
        trim(source.region) as region,
        trim(source.trust_type) as trust_type,
        trim(source.trust_subtype) as trust_subtype,
        upper(trim(source.trust_code)) as org_code,
        trim(source.trust_name) as org_name,
        case
            when source._source_file ~* '^nhs-oversight-framework-acute-' then 'acute'
            when source._source_file ~* '^nhs-oversight-framework-ambulance-' then 'ambulance'
            else 'non_acute'
        end as peer_group,
        ---------- metric
        trim(source.domain) as domain,
        trim(source.sub_domain) as sub_domain,
        trim(source.metric_id) as metric_id,
        trim(source.metric_description) as metric_description,
        trim(source.units) as units,
        ---------- values
        nullif(trim(source.value), '')::numeric as value,
        nullif(trim(source.median_value), '')::numeric as median_value,
        nullif(trim(source.lower_quartile), '')::numeric as lower_quartile,
        nullif(trim(source.upper_quartile), '')::numeric as upper_quartile,
        nullif(trim(source.rank), '')::integer as metric_rank,
        ---------- periods
        trim(source.reporting_date) as reporting_date,
        nullif(trim(source.quarter), '') as quarter_text,
        case
            when trim(source.quarter) ~* '^Q[1-4]\s+\d{4}\s*[/-]\s*\d{2}$'
                then (
                    make_date(substring(trim(source.quarter) from '(\d{4})')::integer, 4, 1)
                    + (3 * (substring(trim(source.quarter) from '^[Qq]([1-4])')::integer - 1)) * interval '1 month'
                )::date
            else source._period
        end as quarter_start,
        ---------- lineage
        source._period as file_period_start,
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source

),

classified as (

    select
        renamed.*,
        (renamed.quarter_start + interval '3 months' - interval '1 day')::date as quarter_end,
        case
            when renamed.metric_id = 'OF5000' then 'adjusted_segment'
            when renamed.metric_id = 'OF5002' then 'average_score'
            when renamed.metric_id between 'OF4100' and 'OF4105' then 'domain_segment'
            when renamed.metric_id between 'OF4000' and 'OF4005' then 'domain_score'
            when renamed.metric_id ~ '^OF1\d{3}$' then 'metric_score'
            else 'metric_value'
        end as metric_kind,
        case
            when renamed.reporting_date ~* '^Q[1-4]\s+\d{4}\s*[/-]\s*\d{2}$' then 'quarter'
            when renamed.reporting_date ~ '^\d{4}-\d{2}$' then 'month'
            when renamed.reporting_date ~* '^[a-z]{3}-\d{2}$' then 'month'
            when renamed.reporting_date ~* '^[a-z]{3}\s+\d{2}\s*-\s*[a-z]{3}\s+\d{2}$' then 'rolling_period'
            when renamed.reporting_date ~* '^year to date\s+\d{2}/\d{2}$' then 'year_to_date'
            when renamed.reporting_date ~* '^\d{4}/\d{2}(\s+plan)?$' then 'financial_year'
            when renamed.reporting_date ~ '^\d{4}$' then 'calendar_year'
            else 'unparsed'
        end as reporting_date_format
    from renamed

),

parsed as (

    select
        classified.*,
        case reporting_date_format
            when 'quarter'
                then (
                    make_date(substring(reporting_date from '(\d{4})')::integer, 4, 1)
                    + (3 * (substring(reporting_date from '^[Qq]([1-4])')::integer - 1)) * interval '1 month'
                )::date
            when 'month'
                then
                    case
                        when reporting_date ~ '^\d{4}-\d{2}$' then to_date(reporting_date, 'YYYY-MM')
                        else to_date(reporting_date, 'Mon-YY')
                    end
            when 'rolling_period' then to_date(trim(split_part(reporting_date, '-', 1)), 'Mon YY')
            when 'year_to_date' then make_date(2000 + substring(reporting_date from '(\d{2})/')::integer, 4, 1)
            when 'financial_year' then make_date(substring(reporting_date from '^(\d{4})')::integer, 4, 1)
            when 'calendar_year' then make_date(reporting_date::integer, 1, 1)
        end as reporting_period_start,
        case reporting_date_format
            when 'quarter'
                then (
                    make_date(substring(reporting_date from '(\d{4})')::integer, 4, 1)
                    + (3 * substring(reporting_date from '^[Qq]([1-4])')::integer) * interval '1 month'
                    - interval '1 day'
                )::date
            when 'month'
                then (
                    case
                        when reporting_date ~ '^\d{4}-\d{2}$' then to_date(reporting_date, 'YYYY-MM')
                        else to_date(reporting_date, 'Mon-YY')
                    end + interval '1 month' - interval '1 day'
                )::date
            when 'rolling_period'
                then (
                    to_date(trim(split_part(reporting_date, '-', 2)), 'Mon YY') + interval '1 month' - interval '1 day'
                )::date
            -- year to date: up to the end of the row's quarter when that quarter is in the same financial year
            when 'year_to_date'
                then
                    case
                        when quarter_start >= make_date(2000 + substring(reporting_date from '(\d{2})/')::integer, 4, 1)
                            and quarter_start < make_date(
                                2001 + substring(reporting_date from '(\d{2})/')::integer, 4, 1
                            )
                            then quarter_end
                    end
            when 'financial_year' then make_date(substring(reporting_date from '^(\d{4})')::integer + 1, 3, 31)
            when 'calendar_year' then make_date(reporting_date::integer, 12, 31)
        end as reporting_period_end
    from classified

),

ranked as (

    select
        parsed.*,
        loads.vintage,
        loads.revision,
        dense_rank() over (
            partition by parsed.peer_group, parsed.quarter_start
            order by parsed.file_period_start desc, loads.revision desc, parsed.load_id desc
        ) as vintage_rank
    from parsed
    inner join loads
        on parsed.load_id = loads.load_id

),

final as (

    select
        region,
        trust_type,
        trust_subtype,
        org_code,
        org_name,
        peer_group,
        domain,
        sub_domain,
        metric_id,
        metric_kind,
        metric_description,
        units,
        value,
        median_value,
        lower_quartile,
        upper_quartile,
        metric_rank,
        reporting_date,
        reporting_date_format,
        reporting_period_start,
        reporting_period_end,
        quarter_text,
        quarter_start,
        quarter_end,
        file_period_start,
        load_id,
        source_file,
        source_row,
        vintage,
        revision
    from ranked
    where vintage_rank = 1

)

select * from final
