-- Which system (STP/ICS, ICB from 1 July 2022) each trust belongs to, and when: one row per trust
-- and validity interval. Source: the ODS trust list's High Level Health Geography code.
with

trusts as (

    select * from {{ ref('stg_ods__trusts') }}

),

final as (

    select
        org_code,
        icb_code as system_code,
        region_code,
        open_date as valid_from,
        close_date as valid_to,
        source_file,
        source_row
    from trusts
    where icb_code is not null

)

select * from final
