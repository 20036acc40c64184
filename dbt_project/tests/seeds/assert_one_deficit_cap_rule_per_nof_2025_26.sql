-- The NOF 2025/26 segments and paths take their deficit cap from seed nof_adjustments with a
-- cross join: with no such row every segment would vanish without an error, with two every segment
-- would be doubled. dbt build runs this test right after the seed, so either fault stops the build
-- (nothing is published) and names the rule that is missing or repeated.
with rules as (

    select rule_id
    from {{ ref('nof_adjustments') }}
    where framework_version = 'nof_2025_26' and adjustment = 'deficit_cap'

)

select
    'nof_2025_26' as framework_version,
    'deficit_cap' as adjustment,
    count(*) as rules_found,
    'exactly one deficit_cap row for nof_2025_26 is required in seed nof_adjustments' as problem
from rules
having count(*) <> 1
