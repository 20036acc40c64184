-- Rating changes as events: each CQC workbook compared with the one before it (workbook_seq order:
-- by as-at date, the undated sample first), per trust x location (null = the trust's own rating) x
-- domain, from int_cqc__workbook_ratings. change_type:
--   downgraded / upgraded  the rating moved down / up the scale (1 Outstanding .. 4 Inadequate)
--   changed                the rating changed to or from an unscored value (Not rated, ...)
--   republished            same rating, new publication date (a re-inspection that confirmed it)
--   first_rated            the key is in the newer workbook only
--   withdrawn              the key is in the older workbook only (no event date)
-- The event date is the publication date of the new rating; the rating before it applied from
-- previous_publication_date. A trust-level comparison across a change of basis (main location in
-- one workbook, Providers sheet in the other) is flagged is_basis_change.
with

ratings as (

    select * from {{ ref('int_cqc__workbook_ratings') }}

),

workbooks as (

    select distinct workbook_seq, workbook_date, source_file
    from {{ ref('stg_cqc__workbook_ratings') }}

),

pairs as (

    select
        workbook_seq,
        workbook_date,
        source_file,
        lag(workbook_seq) over (order by workbook_seq) as previous_seq,
        lag(workbook_date) over (order by workbook_seq) as previous_workbook_date,
        lag(source_file) over (order by workbook_seq) as previous_file
    from workbooks

),

newer as (

    select ratings.*
    from ratings
    inner join pairs
        on ratings.workbook_seq = pairs.workbook_seq
    where pairs.previous_seq is not null

),

older as (

    -- each row of a workbook, tagged with the workbook it is compared with
    select ratings.*, pairs.workbook_seq as compared_in_seq
    from ratings
    inner join pairs
        on ratings.workbook_seq = pairs.previous_seq

),

compared as (

    select
        coalesce(newer.workbook_seq, older.compared_in_seq) as detected_in_seq,
        coalesce(newer.org_code, older.org_code) as org_code,
        coalesce(newer.org_name, older.org_name) as org_name,
        coalesce(newer.location_id, older.location_id) as location_id,
        coalesce(newer.location_name, older.location_name) as location_name,
        coalesce(newer.rating_level, older.rating_level) as rating_level,
        coalesce(newer.domain, older.domain) as domain,
        older.rating as previous_rating,
        older.rating_score as previous_rating_score,
        older.publication_date as previous_publication_date,
        older.rating_basis as previous_rating_basis,
        older.source_row as previous_source_row,
        older.sheet_name as previous_source_sheet,
        newer.rating as new_rating,
        newer.rating_score as new_rating_score,
        newer.publication_date as new_publication_date,
        newer.is_inherited_rating as new_is_inherited_rating,
        newer.rating_basis as new_rating_basis,
        newer.source_row as new_source_row,
        newer.sheet_name as new_source_sheet,
        case
            when older.org_code is null then 'first_rated'
            when newer.org_code is null then 'withdrawn'
            when newer.rating is distinct from older.rating then
                case
                    when newer.rating_score < older.rating_score then 'downgraded'
                    when newer.rating_score < older.rating_score then 'upgraded'
                    else 'changed'
                end
            when newer.publication_date is distinct from older.publication_date then 'republished'
        end as change_type
    from newer
    full outer join older
        on newer.workbook_seq = older.compared_in_seq
        and newer.org_code = older.org_code
        and newer.rating_level = older.rating_level
        and coalesce(newer.location_id, '') = coalesce(older.location_id, '')
        and newer.domain = older.domain

),

final as (

    select
        ---------- ids
        compared.org_code,
        compared.org_name,
        compared.location_id,
        compared.location_name,
        compared.rating_level,
        compared.domain,
        ---------- the event
        compared.change_type,
        compared.new_publication_date as event_date,
        compared.change_type in ('downgraded', 'upgraded', 'changed', 'first_rated', 'withdrawn')
            as is_rating_change,
        coalesce(compared.new_rating = 'Inadequate', false)
            and compared.previous_rating is distinct from 'Inadequate' as is_move_to_inadequate,
        compared.previous_rating,
        compared.previous_rating_score,
        compared.previous_publication_date,
        compared.new_rating,
        compared.new_rating_score,
        compared.new_is_inherited_rating,
        compared.previous_rating_basis,
        compared.new_rating_basis,
        compared.previous_rating_basis is distinct from compared.new_rating_basis
            and compared.previous_rating_basis is not null and compared.new_rating_basis is not null
            as is_basis_change,
        ---------- where it was detected: file Y (newer) compared with file X (older)
        pairs.workbook_date as detected_in_workbook_date,
        pairs.source_file as detected_in_file,
        pairs.previous_workbook_date as compared_with_workbook_date,
        pairs.previous_file as compared_with_file,
        ---------- lineage
        compared.previous_source_sheet,
        compared.previous_source_row,
        compared.new_source_sheet,
        compared.new_source_row
    from compared
    inner join pairs
        on compared.detected_in_seq = pairs.workbook_seq
    where compared.change_type is not null

)

select * from final
