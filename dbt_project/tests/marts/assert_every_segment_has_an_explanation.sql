-- Every segment row has at least one contributing explanation row.
select segments.org_code, segments.period_start, segments.framework_version
from {{ ref('fct_segment') }} as segments
left join {{ ref('fct_segment_explanation') }} as items
    on segments.org_code = items.org_code
    and segments.period_start = items.period_start
    and segments.framework_version = items.framework_version
    and items.contributes
group by 1, 2, 3
having count(items.item_id) = 0
