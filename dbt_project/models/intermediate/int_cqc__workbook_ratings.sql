-- CQC ratings of NHS trusts per workbook at two levels, service/population group Overall only:
-- - rating_level 'provider' (location_id null): the trust's own rating. Basis 'provider': the
--   Providers sheet row (Provider Type "NHS Healthcare Organisation", Service / Population Group
--   Overall), as CQC defines the NHS trust rating. When the workbook has no Providers row for the
--   trust (the bundled sample has no Providers sheet at all) the trust takes the rating of its main
--   location, basis 'main_location': of its NHS locations rated Overall/Overall, the one with the
--   most rated rows (core services x domains) in the Locations sheet [INFER: the main hospital site
--   is the one rated on most services], then the lowest location id.
-- - rating_level 'location': every NHS location (Location Type "NHS Healthcare Organisation"; a
--   sheet without that column counts as NHS), basis 'location'.
-- Core-service ratings (service groups other than Overall) stay in stg_cqc__workbook_ratings.
with

ratings as (

    select * from {{ ref('stg_cqc__workbook_ratings') }}

),

nhs_locations as (

    select *
    from ratings
    where sheet_name = 'Locations'
        and location_id is not null
        and coalesce(location_type, 'NHS Healthcare Organisation') = 'NHS Healthcare Organisation'

),

location_level as (

    select
        workbook_seq, workbook_date, is_latest_workbook, org_code, org_name, location_id, location_name,
        'location' as rating_level, domain, rating, rating_score, publication_date, is_inherited_rating,
        'location' as rating_basis, null::text as main_location_id, sheet_name, load_id, source_file, source_row
    from nhs_locations
    where service_population_group = 'Overall'

),

location_weight as (

    select workbook_seq, org_code, location_id, count(*) as rated_rows
    from nhs_locations
    group by 1, 2, 3

),

main_location as (

    select distinct on (location_weight.workbook_seq, location_weight.org_code)
        location_weight.workbook_seq,
        location_weight.org_code,
        location_weight.location_id
    from location_weight
    inner join location_level
        on location_weight.workbook_seq = location_level.workbook_seq
        and location_weight.location_id = location_level.location_id
        and location_weight.org_code = location_level.org_code
        and location_level.domain = 'Overall'
    order by
        location_weight.workbook_seq, location_weight.org_code, location_weight.rated_rows desc,
        location_weight.location_id

),

provider_rows as (

    select
        workbook_seq, workbook_date, is_latest_workbook, org_code, org_name, null::text as location_id,
        null::text as location_name, 'provider' as rating_level, domain, rating, rating_score,
        publication_date, is_inherited_rating, 'provider' as rating_basis, null::text as main_location_id,
        sheet_name, load_id, source_file, source_row
    from ratings
    where sheet_name = 'Providers'
        and provider_type = 'NHS Healthcare Organisation'
        and service_population_group = 'Overall'

),

main_location_fallback as (

    select
        location_level.workbook_seq, location_level.workbook_date, location_level.is_latest_workbook,
        location_level.org_code, location_level.org_name, null::text as location_id,
        null::text as location_name, 'provider' as rating_level, location_level.domain,
        location_level.rating, location_level.rating_score, location_level.publication_date,
        location_level.is_inherited_rating, 'main_location' as rating_basis,
        location_level.location_id as main_location_id, location_level.sheet_name, location_level.load_id,
        location_level.source_file, location_level.source_row
    from location_level
    inner join main_location
        on location_level.workbook_seq = main_location.workbook_seq
        and location_level.org_code = main_location.org_code
        and location_level.location_id = main_location.location_id
    where not exists (
            select 1
            from provider_rows
            where provider_rows.workbook_seq = location_level.workbook_seq
                and provider_rows.org_code = location_level.org_code
        )

),

final as (

    select * from provider_rows
    union all
    select * from main_location_fallback
    union all
    select * from location_level

)

select * from final
