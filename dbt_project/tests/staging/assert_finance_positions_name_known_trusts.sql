-- Rule finance_org_code_is_a_known_trust: every organisation in the user-maintained finance file is
-- an NHS trust in the organisation reference (ODS etr, incl. closed and merged trusts). An unknown
-- code (a typo, a CCG, a retired code with no history) fails the build, naming the file and row, so
-- that a deficit flag never silently goes missing. (A&E and other national files also list
-- non-trust providers; those are left out of the trust metrics by design, not an error.)
select
    positions.source_file,
    positions.source_row,
    positions.org_code,
    'finance_org_code_is_a_known_trust' as rule
from {{ ref('stg_finance__positions') }} as positions
left join {{ ref('int_organisation__peer_grouped') }} as trusts
    on positions.org_code = trusts.org_code
where trusts.org_code is null
