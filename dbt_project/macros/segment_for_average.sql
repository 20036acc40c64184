{#
    The provisional NOF segment an average score reaches: the highest cut point of seed
    nof_segment_cut_points (framework version, peer group or 'all') at or below the average.
    A scalar subquery, so one rule serves the segment and both ends of its likely range; its alias
    average_cut is its own, so it never shadows a `cut` of the calling model.
#}
{% macro segment_for_average(average, cut_points, framework_version, peer_group) -%}
    (
        select average_cut.segment
        from {{ cut_points }} as average_cut
        where average_cut.framework_version = {{ framework_version }}
            and average_cut.peer_group in ({{ peer_group }}, 'all')
            and {{ average }} >= average_cut.lower_bound
        order by average_cut.lower_bound desc
        limit 1
    )
{%- endmacro %}
