-- Each A&E file's TOTAL row equals the sum of its organisation rows (attendances and over-4-hours
-- totals): a check that no organisation row was lost or double counted between file and staging.
with

raw_totals as (

    select
        _load_id as load_id,
        (
            attendances_type1::numeric + attendances_type2::numeric + attendances_other::numeric
            + attendances_booked_type1::numeric + attendances_booked_type2::numeric
            + attendances_booked_other::numeric
        ) as attendances,
        (
            over_4hrs_type1::numeric + over_4hrs_type2::numeric + over_4hrs_other::numeric
            + over_4hrs_booked_type1::numeric + over_4hrs_booked_type2::numeric
            + over_4hrs_booked_other::numeric
        ) as over_4hrs
    from {{ source('raw', 'ae_monthly') }}
    where upper(trim(org_code)) = 'TOTAL'

),

staged as (

    select
        load_id,
        sum(
            attendances_type1 + attendances_type2 + attendances_other
            + attendances_booked_type1 + attendances_booked_type2 + attendances_booked_other
        ) as attendances,
        sum(
            over_4hrs_type1 + over_4hrs_type2 + over_4hrs_other
            + over_4hrs_booked_type1 + over_4hrs_booked_type2 + over_4hrs_booked_other
        ) as over_4hrs
    from {{ ref('stg_ae__provider_monthly') }}
    group by load_id

)

select staged.*, raw_totals.attendances as total_row_attendances, raw_totals.over_4hrs as total_row_over_4hrs
from staged
inner join raw_totals using (load_id)
where staged.attendances <> raw_totals.attendances
    or staged.over_4hrs <> raw_totals.over_4hrs
