{#
    The provisional NOF segment an average score reaches: the highest cut point of seed
    nof_segment_cut_points (framework version, peer group or 'all') at or below the average.
    A scalar subquery, so one rule serves the segment and both ends of its likely range.
#}
{% macro segment_for_average(average, cut_points, framework_version, peer_group) -%}
    (
        select cut.segment
        from {{ cut_points }} as cut
        where cut.framework_version = {{ framework_version }}
            and cut.peer_group in ({{ peer_group }}, 'all')
            and {{ average }} >= cut.lower_bound
        order by cut.lower_bound desc
        limit 1
    )
{%- endmacro %}
