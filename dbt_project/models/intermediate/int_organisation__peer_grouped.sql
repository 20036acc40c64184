-- Every NHS trust in the ODS trust list with its peer group (the NOF league table it sits in).
-- Order of evidence: a recorded override (seed peer_group_overrides), then the CQC primary
-- inspection category of the trust's locations (seed cqc_inspection_category_peer_groups), then
-- type 1 A&E activity (a trust with a type 1 department is acute) [INFER], else 'unknown'.
with

trusts as (

    select * from {{ ref('stg_ods__trusts') }}

),

overrides as (

    select * from {{ ref('peer_group_overrides') }}

),

category_map as (

    select * from {{ ref('cqc_inspection_category_peer_groups') }}

),

cqc_categories as (

    select
        ratings.org_code,
        category_map.peer_group,
        category_map.peer_subgroup,
        count(distinct ratings.location_id) as locations
    from {{ ref('stg_cqc__ratings') }} as ratings
    inner join category_map
        on ratings.primary_inspection_category = category_map.inspection_category
    group by 1, 2, 3

),

cqc_peer_group as (

    -- the category that covers most of the trust's locations
    select distinct on (org_code)
        org_code,
        peer_group,
        peer_subgroup
    from cqc_categories
    order by org_code, locations desc, peer_group

),

type1_activity as (

    select org_code
    from {{ ref('stg_ae__provider_monthly') }}
    group by org_code
    having sum(attendances_type1) > 0

),

final as (

    select
        trusts.org_code,
        trusts.org_name,
        trusts.region_code,
        trusts.icb_code,
        trusts.postcode,
        trusts.open_date,
        trusts.close_date,
        coalesce(overrides.peer_group, cqc_peer_group.peer_group,
            case when type1_activity.org_code is not null then 'acute' end, 'unknown') as peer_group,
        coalesce(overrides.peer_subgroup, cqc_peer_group.peer_subgroup,
            case when type1_activity.org_code is not null then 'type 1 A&E provider' end) as peer_subgroup,
        case
            when overrides.org_code is not null then 'seed peer_group_overrides: ' || overrides.reason
            when cqc_peer_group.org_code is not null then 'CQC primary inspection category'
            when type1_activity.org_code is not null then 'type 1 A&E attendances (INFER)'
            else 'no evidence'
        end as peer_group_basis,
        trusts.source_file,
        trusts.source_row
    from trusts
    left join overrides on trusts.org_code = overrides.org_code
    left join cqc_peer_group on trusts.org_code = cqc_peer_group.org_code
    left join type1_activity on trusts.org_code = type1_activity.org_code

)

select * from final
