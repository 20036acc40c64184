-- Organisation history for BI: one row per NHS trust and validity interval, with its name, NHS
-- England region and system (STP before 1 July 2022, ICB from then) as at that interval, so that
-- trust -> region -> STP/ICS/ICB "as at" any date d is one query:
--     where d between valid_from and coalesce(valid_to, 'infinity')
-- Closed and merged trusts keep their rows (and their DSPT successors). Rules and precedence:
-- int_organisation__history.
with

history as (

    select * from {{ ref('int_organisation__history') }}

),

final as (

    select
        ---------- ids
        org_code,
        valid_from,
        valid_to,
        ---------- attributes as at the interval
        initcap(org_name) as org_name,
        region_code,
        region_name,
        system_type,
        system_code,
        system_name,
        ---------- lifecycle
        open_date,
        close_date,
        is_current,
        successor_org_codes,
        final_successor_org_codes,
        ---------- evidence
        interval_basis,
        system_basis,
        evidence_from,
        evidence_to,
        is_backfilled,
        ---------- lineage
        source_file,
        source_row,
        system_source_file,
        system_source_row
    from history

)

select * from final
