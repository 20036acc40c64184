-- CQC ratings of NHS trusts from the newest "Latest ratings" workbook: one row per trust x location
-- (null for the trust's own rating) x domain, service/population group Overall. The trust's own
-- rating comes from the Providers sheet, or, when the workbook has no Providers row for it, from its
-- main location (rating_basis says which; int_cqc__workbook_ratings).
with

ratings as (

    select * from {{ ref('int_cqc__workbook_ratings') }}
    where is_latest_workbook

),

final as (

    select
        ---------- ids
        org_code,
        location_id,
        domain,
        rating_level,
        org_name,
        location_name,
        ---------- rating
        rating,
        rating_score,
        publication_date,
        is_inherited_rating,
        rating_basis,
        main_location_id,
        ---------- lineage
        workbook_date,
        source_file,
        sheet_name as source_sheet,
        source_row
    from ratings

)

select * from final
