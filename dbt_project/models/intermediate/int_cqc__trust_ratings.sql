-- The CQC rating of each NHS trust per domain, as a history: one row per published rating, in force
-- from its publication date until the day before the next one (rated_to null while current). Built
-- from every workbook loaded (int_cqc__workbook_ratings): the trust-level rating is the Providers
-- sheet row, else the trust's main location (`rating_basis`). A rating republished unchanged in later
-- workbooks counts once, sourced from the newest workbook that carries it.
with

ratings as (

    select * from {{ ref('int_cqc__workbook_ratings') }}
    where rating_level = 'provider'
        and rating_score is not null

),

publications as (

    select distinct on (org_code, domain, publication_date)
        org_code,
        domain,
        rating,
        rating_score,
        publication_date,
        rating_basis,
        main_location_id,
        source_file,
        source_row
    from ratings
    order by org_code, domain, publication_date, workbook_seq desc

),

final as (

    select
        org_code,
        domain,
        rating,
        rating_score,
        publication_date as rated_from,
        (lead(publication_date) over (partition by org_code, domain order by publication_date) - 1) as rated_to,
        rating_basis,
        main_location_id as location_id,
        source_file,
        source_row
    from publications

)

select * from final
