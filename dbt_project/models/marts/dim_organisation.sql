-- One row per NHS trust: code, name, peer group, NHS England region and ICB.
with

organisations as (

    select * from {{ ref('int_organisation__peer_grouped') }}

),

final as (

    select
        ---------- ids
        org_code,
        initcap(org_name) as org_name,
        ---------- classification
        peer_group,
        peer_subgroup,
        peer_group_basis,
        ---------- geography
        region_code,
        icb_code,
        postcode,
        ---------- lifecycle
        open_date,
        close_date,
        close_date is null as is_open,
        ---------- lineage
        source_file,
        source_row
    from organisations

)

select * from final
