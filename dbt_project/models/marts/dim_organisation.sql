-- One row per NHS trust: code, name, peer group, NHS England region and ICB.
with

organisations as (

    select * from {{ ref('int_organisation__peer_grouped') }}

),

names as (

    select * from {{ ref('int_organisation__names') }}

),

latest_history as (

    select distinct on (org_code) *
    from {{ ref('int_organisation__history') }}
    order by org_code, valid_from desc

),

final as (

    select
        ---------- ids
        organisations.org_code,
        names.org_name,
        names.org_name_source,
        ---------- classification
        organisations.peer_group,
        organisations.peer_subgroup,
        organisations.peer_group_basis,
        ---------- geography
        organisations.region_code,
        latest_history.region_name,
        organisations.icb_code,
        case when latest_history.system_type = 'ICB' then latest_history.system_name end as icb_name,
        organisations.postcode,
        ---------- lifecycle
        organisations.open_date,
        organisations.close_date,
        organisations.close_date is null as is_open,
        latest_history.successor_org_codes,
        latest_history.final_successor_org_codes,
        ---------- lineage
        organisations.source_file,
        organisations.source_row
    from organisations
    inner join names
        on organisations.org_code = names.org_code
    left join latest_history
        on organisations.org_code = latest_history.org_code

)

select * from final
