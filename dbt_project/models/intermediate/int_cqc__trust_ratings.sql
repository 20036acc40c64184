-- The CQC rating of each NHS trust per domain, with the date from which it applies (its publication
-- date). Basis: the provider-level row (Providers sheet, service group Overall) when the workbook has
-- one; otherwise the trust's location-level rows (service group Overall), taking the most recently
-- published location rating and, on the same date, the worse one.
with

ratings as (

    select * from {{ ref('stg_cqc__ratings') }}
    where service_population_group = 'Overall'
        and rating_score is not null

),

ranked as (

    select
        org_code,
        domain,
        rating,
        rating_score,
        publication_date,
        case when sheet_name = 'Providers' then 'provider rating' else 'location rating' end as rating_basis,
        location_id,
        source_file,
        source_row,
        row_number() over (
            partition by org_code, domain
            order by case when sheet_name = 'Providers' then 0 else 1 end, publication_date desc,
                rating_score desc, location_id
        ) as preference
    from ratings

),

final as (

    select
        org_code,
        domain,
        rating,
        rating_score,
        publication_date as rated_from,
        rating_basis,
        location_id,
        source_file,
        source_row
    from ranked
    where preference = 1

)

select * from final
