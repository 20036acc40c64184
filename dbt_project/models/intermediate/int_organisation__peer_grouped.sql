-- Every NHS trust in the ODS trust list (and, from the organisation history, those closed or merged
-- since) with its peer group (the NOF league table it sits in).
-- Order of evidence: a recorded override (seed peer_group_overrides), then the CQC primary
-- inspection category of the trust's locations (seed cqc_inspection_category_peer_groups), then
-- type 1 A&E activity (a trust with a type 1 department is acute) [INFER], else 'unknown'.
with

closed_trusts as (

    -- trusts no longer in the newest ODS list (closed or merged) stay resolvable for historic periods
    select *
    from (
        select distinct on (org_code)
            org_code, org_name, region_code, system_code as icb_code, null::text as postcode, open_date,
            coalesce(close_date, valid_to) as close_date, source_file, source_row, valid_to
        from {{ ref('int_organisation__history') }}
        where org_code not in (select org_code from {{ ref('stg_ods__trusts') }})
        order by org_code, valid_from desc
    ) as last_interval
    where valid_to is not null

),

trusts as (

    select org_code, org_name, region_code, icb_code, postcode, open_date, close_date, source_file, source_row
    from {{ ref('stg_ods__trusts') }}
    union all
    select org_code, org_name, region_code, icb_code, postcode, open_date, close_date, source_file, source_row
    from closed_trusts

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
        coalesce(
            overrides.peer_group, cqc_peer_group.peer_group,
            case when type1_activity.org_code is not null then 'acute' end, 'unknown'
        ) as peer_group,
        coalesce(
            overrides.peer_subgroup, cqc_peer_group.peer_subgroup,
            case when type1_activity.org_code is not null then 'type 1 A&E provider' end
        ) as peer_subgroup,
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
