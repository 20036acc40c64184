-- CQC rating changes as dated events, detected by comparing each "Latest ratings" workbook with the
-- one before it (int_cqc__rating_events): one row per trust x location (null = the trust's own
-- rating) x domain x workbook in which a change was seen. event_date is the publication date of the
-- new rating; a move to Inadequate is flagged is_move_to_inadequate.
with

events as (

    select * from {{ ref('int_cqc__rating_events') }}

),

final as (

    select
        ---------- ids
        org_code,
        location_id,
        domain,
        rating_level,
        detected_in_file,
        org_name,
        location_name,
        ---------- the event
        change_type,
        event_date,
        is_rating_change,
        is_move_to_inadequate,
        previous_rating,
        previous_rating_score,
        previous_publication_date,
        new_rating,
        new_rating_score,
        new_is_inherited_rating,
        previous_rating_basis,
        new_rating_basis,
        is_basis_change,
        ---------- detection
        detected_in_workbook_date,
        compared_with_file,
        compared_with_workbook_date,
        ---------- lineage
        previous_source_sheet,
        previous_source_row,
        new_source_sheet,
        new_source_row
    from events

)

select * from final
