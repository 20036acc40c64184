-- A&E attendances per organisation and month, typed and renamed, latest vintage of each month.
-- The TOTAL row of each file is dropped here (it stays in raw for reconciliation).
with

source as (

    select * from {{ validated_rows('ae_monthly') }}

),

loads as (

    select * from {{ ref('stg_warehouse__loads') }}

),

renamed as (

    select
        ---------- ids
        upper(trim(source.org_code)) as org_code,
        trim(source.org_name) as org_name,
        trim(source.parent_org) as parent_org_name,
        source._period as period_start,
        ---------- attendances (six groups)
        source.attendances_type1::numeric as attendances_type1,
        source.attendances_type2::numeric as attendances_type2,
        source.attendances_other::numeric as attendances_other,
        source.attendances_booked_type1::numeric as attendances_booked_type1,
        source.attendances_booked_type2::numeric as attendances_booked_type2,
        source.attendances_booked_other::numeric as attendances_booked_other,
        ---------- over four hours (same six groups)
        source.over_4hrs_type1::numeric as over_4hrs_type1,
        source.over_4hrs_type2::numeric as over_4hrs_type2,
        source.over_4hrs_other::numeric as over_4hrs_other,
        source.over_4hrs_booked_type1::numeric as over_4hrs_booked_type1,
        source.over_4hrs_booked_type2::numeric as over_4hrs_booked_type2,
        source.over_4hrs_booked_other::numeric as over_4hrs_booked_other,
        ---------- decision to admit and admissions
        source.dta_4_to_12hrs::numeric as dta_4_to_12hrs,
        source.dta_over_12hrs::numeric as dta_over_12hrs,
        source.emergency_admissions_type1::numeric as emergency_admissions_type1,
        source.emergency_admissions_type2::numeric as emergency_admissions_type2,
        source.emergency_admissions_other::numeric as emergency_admissions_other,
        source.other_emergency_admissions::numeric as other_emergency_admissions,
        ---------- lineage
        source._load_id as load_id,
        source._source_file as source_file,
        source._row_number as source_row

    from source
    where upper(trim(source.org_code)) <> 'TOTAL'
        and upper(trim(source.period)) <> 'TOTAL'

),

latest as (

    select
        renamed.*,
        loads.vintage,
        loads.revision
    from renamed
    inner join loads
        on renamed.load_id = loads.load_id
    where loads.is_latest_vintage

)

select * from latest
