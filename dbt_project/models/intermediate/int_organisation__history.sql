-- Organisation history: one row per NHS trust and validity interval [valid_from, valid_to] (valid_to
-- null = still valid), giving the trust's name, NHS England region and system (STP before
-- 1 July 2022, ICB from 1 July 2022) with names, so "as at date d" is one predicate:
--     d between valid_from and coalesce(valid_to, 'infinity')
--
-- 1. Intervals from the sequence of etr vintages (stg_ods__trust_vintages). A trust's name, region
--    (National Grouping) and system code (High Level Health Geography) as each vintage lists them;
--    consecutive vintages listing the same three values are one interval; a new interval starts at
--    the vintage that changed any of them. valid_to = the day before the next vintage that changed
--    it or no longer lists it, or its close date if earlier (the etr close date; for its last
--    interval also the DSPT close date). The first interval starts at the trust's open date
--    (backfilled before the first vintage that lists it: evidence_from says from when it is attested).
-- 2. Trusts the DSPT 2022 hierarchy lists that no etr vintage lists (closed before the first vintage,
--    e.g. RXH, RW6, RTV when only etr_2025-Q1 is loaded) get one interval from their DSPT open date to
--    their DSPT close date, else to the day before the first etr vintage after the DSPT file (they are
--    not in it). Codes T.. (care trusts, listed by ODS in `ect`, not `etr`) are not ended that way.
-- 3. Every interval is cut at 1 July 2022 (STPs -> ICBs), so an interval is of one system type.
--    System and region, by precedence:
--    STP era (before 1 July 2022): (a) an etr vintage dated before 1 July 2022 that lists the
--      interval's values (basis 'etr'); else (b) the DSPT 2022 hierarchy (STPCDH / NHSER20CDH, as at
--      8 February 2022; basis 'dspt_2022'); else (c) the code of a later vintage, taken as the STP of
--      the same code, since the 42 ICBs kept their STP's code (basis 'etr_icb_code_carried_back', INFER).
--    ICB era (from 1 July 2022): (a) an etr vintage dated from 1 July 2022 (basis 'etr'); else (b) the
--      code of an earlier vintage or of the DSPT file carried forward (basis 'stp_code_carried_forward',
--      INFER: a trust is taken to stay in the ICB that kept its STP's code until a vintage says otherwise).
--    Names: region from the DSPT file (NHSER20NM by region code), STP from the DSPT file (STP20NM by
--    code) else the A&E STP -> ICB sheet's STP name, ICB from the A&E STP -> ICB sheet by code.
--    The A&E org -> ICB sheet (June 2025) gives names only and disagrees with etr on five trusts
--    (RAN, RXK, RWX, RTE, RTQ; RTE/RTQ in the wrong region): it is not used to assign a system.
-- 4. Successors from the DSPT file (Successor.Code): the direct ones, and the final ones (followed
--    until an organisation with no successor), on every row of the trust.
with recursive

vintages as (

    select * from {{ ref('stg_ods__trust_vintages') }}

),

dspt as (

    select * from {{ ref('stg_ods__dspt_organisations') }}

),

stp_icb_codes as (

    select * from {{ ref('stg_ods__ae_stp_icb_codes') }}

),

dspt_trusts as (

    -- one row per trust (a trust split between two successors has a row per successor)
    select distinct on (org_code) *
    from dspt
    where sector = 'Trust'
    order by org_code, source_row

),

-- ---------------------------------------------------------------- 1. intervals from etr vintages
vintage_dates as (

    select
        vintage_date,
        lead(vintage_date) over (order by vintage_date) as next_vintage_date,
        row_number() over (order by vintage_date) as vintage_seq
    from (select distinct vintage_date from vintages) as dates

),

listed as (

    select
        vintages.*,
        vintage_dates.next_vintage_date,
        vintage_dates.vintage_seq as seq,
        lag(vintage_dates.vintage_seq) over by_trust as previous_seq,
        lag(vintages.org_name) over by_trust as previous_name,
        lag(vintages.region_code) over by_trust as previous_region,
        lag(vintages.icb_code) over by_trust as previous_system
    from vintages
    inner join vintage_dates
        on vintages.vintage_date = vintage_dates.vintage_date
    window by_trust as (partition by vintages.org_code order by vintage_dates.vintage_seq)

),

islands as (

    select
        *,
        sum(
            case
                when previous_seq is null or previous_seq <> seq - 1
                    or previous_name is distinct from org_name
                    or previous_region is distinct from region_code
                    or previous_system is distinct from icb_code
                    then 1
                else 0
            end
        ) over (partition by org_code order by seq) as island_no
    from listed

),

etr_intervals as (

    select
        org_code,
        island_no,
        'etr' as interval_basis,
        min(vintage_date) as evidence_from,
        max(vintage_date) as evidence_to,
        (array_agg(next_vintage_date order by seq desc))[1] as next_vintage_date,
        (array_agg(org_name order by seq desc))[1] as org_name,
        (array_agg(region_code order by seq desc))[1] as region_code,
        (array_agg(icb_code order by seq desc))[1] as system_code,
        (array_agg(open_date order by seq desc))[1] as open_date,
        (array_agg(close_date order by seq desc))[1] as close_date,
        (array_agg(source_file order by seq))[1] as source_file,
        (array_agg(source_row order by seq))[1] as source_row
    from islands
    group by org_code, island_no

),

etr_last_island as (

    -- the DSPT close date ends a trust's last etr interval, unless a vintage lists it after that date
    select
        etr_intervals.*,
        case
            when etr_intervals.island_no = max(etr_intervals.island_no) over (partition by etr_intervals.org_code)
                and dspt_trusts.close_date >= etr_intervals.evidence_to
                then dspt_trusts.close_date
        end as dspt_close_date
    from etr_intervals
    left join dspt_trusts
        on etr_intervals.org_code = dspt_trusts.org_code

),

etr_bounded as (

    select
        org_code,
        island_no,
        interval_basis,
        evidence_from,
        evidence_to,
        org_name,
        region_code,
        system_code,
        open_date,
        -- etr's close date, else the DSPT file's (RW6, RTV closed after the vintage that lists them)
        coalesce(close_date, dspt_close_date) as close_date,
        source_file,
        source_row,
        case when island_no = 1 then coalesce(open_date, evidence_from) else evidence_from end as valid_from,
        least(close_date, next_vintage_date - 1, dspt_close_date) as valid_to
    from etr_last_island

),

-- ---------------------------------------------------------------- 2. trusts only the DSPT file lists
dspt_only as (

    select
        dspt_trusts.org_code,
        1 as island_no,
        'dspt_2022' as interval_basis,
        dspt_trusts.as_at_date as evidence_from,
        dspt_trusts.as_at_date as evidence_to,
        dspt_trusts.org_name,
        dspt_trusts.region_code,
        dspt_trusts.stp_code as system_code,
        dspt_trusts.open_date,
        dspt_trusts.close_date,
        dspt_trusts.source_file,
        dspt_trusts.source_row,
        coalesce(dspt_trusts.open_date, dspt_trusts.as_at_date) as valid_from,
        least(
            dspt_trusts.close_date,
            case when dspt_trusts.org_code not like 'T%' then (
                    select min(vintage_dates.vintage_date) - 1
                    from vintage_dates
                    where vintage_dates.vintage_date > dspt_trusts.as_at_date
                )
            end
        ) as valid_to
    from dspt_trusts
    where
        not exists (
            select 1 from vintages
            where vintages.org_code = dspt_trusts.org_code
        )

),

intervals as (

    select
        org_code, island_no, interval_basis, evidence_from, evidence_to, org_name, region_code, system_code,
        open_date, close_date, source_file, source_row, valid_from, valid_to
    from etr_bounded
    union all
    select
        org_code, island_no, interval_basis, evidence_from, evidence_to, org_name, region_code, system_code,
        open_date, close_date, source_file, source_row, valid_from, valid_to
    from dspt_only

),

-- ---------------------------------------------------------------- 3. STP era / ICB era
eras as (

    select 'STP' as system_type, date '0001-01-01' as era_from, date '2022-06-30' as era_to
    union all
    select 'ICB' as system_type, date '2022-07-01' as era_from, null::date as era_to

),

pieces as (

    select
        intervals.*,
        eras.system_type,
        greatest(intervals.valid_from, eras.era_from) as piece_from,
        case
            when eras.era_to is null then intervals.valid_to
            when intervals.valid_to is null then eras.era_to
            else least(intervals.valid_to, eras.era_to)
        end as piece_to
    from intervals
    inner join eras
        on (eras.era_to is null or intervals.valid_from <= eras.era_to)
        and (intervals.valid_to is null or intervals.valid_to >= eras.era_from)
    where intervals.valid_to is null or intervals.valid_to >= intervals.valid_from

),

attributed as (

    select
        pieces.*,
        case
            when pieces.system_type = 'STP' and pieces.interval_basis = 'etr'
                and pieces.evidence_from < date '2022-07-01' then 'etr'
            when pieces.system_type = 'STP' and pieces.interval_basis = 'dspt_2022' then 'dspt_2022'
            when pieces.system_type = 'STP' and dspt_trusts.org_code is not null then 'dspt_2022'
            when pieces.system_type = 'STP' then 'etr_icb_code_carried_back'
            when pieces.interval_basis = 'etr' and pieces.evidence_to >= date '2022-07-01' then 'etr'
            else 'stp_code_carried_forward'
        end as system_basis,
        dspt_trusts.region_code as dspt_region_code,
        dspt_trusts.stp_code as dspt_stp_code,
        dspt_trusts.as_at_date as dspt_as_at_date,
        dspt_trusts.source_file as dspt_source_file,
        dspt_trusts.source_row as dspt_source_row
    from pieces
    left join dspt_trusts
        on pieces.org_code = dspt_trusts.org_code

),

resolved as (

    select
        org_code,
        piece_from as valid_from,
        piece_to as valid_to,
        org_name,
        case when system_basis = 'dspt_2022' then dspt_region_code else region_code end as region_code,
        system_type,
        case when system_basis = 'dspt_2022' then dspt_stp_code else system_code end as system_code,
        system_basis,
        interval_basis,
        open_date,
        close_date,
        case when system_basis = 'dspt_2022' then dspt_as_at_date else evidence_from end as evidence_from,
        case when system_basis = 'dspt_2022' then dspt_as_at_date else evidence_to end as evidence_to,
        source_file,
        source_row,
        case when system_basis = 'dspt_2022' then dspt_source_file else source_file end as system_source_file,
        case when system_basis = 'dspt_2022' then dspt_source_row else source_row end as system_source_row
    from attributed

),

-- ---------------------------------------------------------------- names
region_names as (

    select distinct on (region_code) region_code, region_name
    from dspt
    where region_code is not null and region_name is not null
    order by region_code, region_name

),

stp_names as (

    select distinct on (stp_code) stp_code, stp_name
    from dspt
    where stp_code is not null and stp_name is not null
    order by stp_code, case when sector = 'Trust' then 0 else 1 end, stp_name

),

-- ---------------------------------------------------------------- 4. successors
successor_links as (

    select distinct org_code, successor_code
    from dspt
    where sector = 'Trust' and successor_code is not null and successor_code <> org_code

),

successor_chain (org_code, successor_code, depth) as (

    select org_code, successor_code, 1
    from successor_links
    union all
    select successor_chain.org_code, successor_links.successor_code, successor_chain.depth + 1
    from successor_chain
    inner join successor_links
        on successor_chain.successor_code = successor_links.org_code
    where successor_chain.depth < 10

),

successors as (

    select
        org_code,
        string_agg(distinct successor_code, ', ' order by successor_code)
        filter (where depth = 1) as successor_org_codes,
        string_agg(distinct successor_code, ', ' order by successor_code)
        filter (where successor_code not in (select org_code from successor_links)) as final_successor_org_codes
    from successor_chain
    group by org_code

),

final as (

    select
        ---------- ids
        resolved.org_code,
        resolved.valid_from,
        resolved.valid_to,
        ---------- attributes as at the interval
        resolved.org_name,
        resolved.region_code,
        region_names.region_name,
        resolved.system_type,
        resolved.system_code,
        case
            when resolved.system_type = 'STP' then coalesce(stp_names.stp_name, stp_icb_codes.stp_name)
            else stp_icb_codes.icb_name
        end as system_name,
        ---------- lifecycle
        resolved.open_date,
        resolved.close_date,
        successors.successor_org_codes,
        successors.final_successor_org_codes,
        resolved.valid_to is null as is_current,
        ---------- evidence
        resolved.interval_basis,
        resolved.system_basis,
        resolved.evidence_from,
        resolved.evidence_to,
        resolved.valid_from < resolved.evidence_from as is_backfilled,
        ---------- lineage
        resolved.source_file,
        resolved.source_row,
        resolved.system_source_file,
        resolved.system_source_row
    from resolved
    left join region_names
        on resolved.region_code = region_names.region_code
    left join stp_names
        on resolved.system_code = stp_names.stp_code
    left join stp_icb_codes
        on resolved.system_code = stp_icb_codes.icb_code
    left join successors
        on resolved.org_code = successors.org_code

)

select * from final
