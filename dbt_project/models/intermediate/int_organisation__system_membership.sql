-- Which system each trust belonged to, and when: STP/ICS before 1 July 2022, ICB from then, one row
-- per trust and validity interval (int_organisation__history: etr vintages, DSPT 2022 mapping).
-- Q99 (no ICB assigned) is not a system.
with

history as (

    select * from {{ ref('int_organisation__history') }}

),

final as (

    select
        org_code,
        system_code,
        system_type,
        system_name,
        region_code,
        valid_from,
        valid_to,
        system_basis,
        system_source_file as source_file,
        system_source_row as source_row
    from history
    where system_code is not null
        and system_code <> 'Q99'

)

select * from final
