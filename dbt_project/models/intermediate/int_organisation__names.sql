-- One name per trust, as people read it: the name a publisher prints in normal case, else the ODS
-- name (all capitals) title-cased by macro title_case_org_name.
--   1. CQC Latest ratings (newest workbook): Providers sheet, else the Locations sheet's provider name
--   2. NHS Staff Survey 'Organisation name' (latest survey year)
--   3. ODS name, title-cased
with

organisations as (

    select org_code, org_name from {{ ref('int_organisation__peer_grouped') }}

),

cqc as (

    select distinct on (org_code)
        org_code,
        org_name,
        source_file
    from {{ ref('stg_cqc__ratings') }}
    where org_name is not null and org_name <> upper(org_name)
    order by org_code, (sheet_name = 'Providers') desc, source_file, source_row

),

staff_survey as (

    select distinct on (org_code)
        org_code,
        org_name,
        source_file
    from {{ ref('stg_staff_survey__organisation_results') }}
    where org_name is not null and org_name <> upper(org_name)
    order by org_code, survey_year desc

),

final as (

    select
        organisations.org_code,
        coalesce(cqc.org_name, staff_survey.org_name, {{ title_case_org_name('organisations.org_name') }})
            as org_name,
        case
            when cqc.org_name is not null then 'cqc'
            when staff_survey.org_name is not null then 'staff_survey'
            else 'ods_title_cased'
        end as org_name_source,
        organisations.org_name as ods_org_name
    from organisations
    left join cqc
        on organisations.org_code = cqc.org_code
    left join staff_survey
        on organisations.org_code = staff_survey.org_code

)

select * from final
