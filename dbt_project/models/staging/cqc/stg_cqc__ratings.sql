-- CQC ratings from the newest Latest-ratings workbook, one row per sheet x organisation x
-- location x service/population group x domain (stg_cqc__workbook_ratings, is_latest_workbook).
-- `Key Question` (older files) arrives here as `domain`.
with

ratings as (

    select * from {{ ref('stg_cqc__workbook_ratings') }}
    where is_latest_workbook

),

final as (

    select
        ---------- ids
        sheet_name,
        org_code,
        org_name,
        location_id,
        location_name,
        ---------- classification
        primary_inspection_category,
        location_type,
        provider_type,
        service_population_group,
        domain,
        ---------- rating
        rating,
        rating_score,
        publication_date,
        report_type,
        is_inherited_rating,
        ---------- lineage
        workbook_date,
        load_id,
        source_file,
        source_row
    from ratings

)

select * from final
