{#
    The recorded decision in force for each row of `subject`: a lateral join that adds the columns of
    the latest decision (by decided_on, then decision_id) about that organisation whose effective
    range covers the row's period, as `decision`. Decisions are applied after the rules in every
    segmentation model; this is the one place that picks them.
    Usage: from ruled {{ decision_in_force('decisions', 'ruled') }}
#}
{% macro decision_in_force(decisions, subject, org_column='org_code', match_framework_version=false) %}
    left join lateral (
        select *
        from {{ decisions }}
        where {{ decisions }}.org_code = {{ subject }}.{{ org_column }}
            {% if match_framework_version -%}
            and {{ decisions }}.framework_version = {{ subject }}.framework_version
            {%- endif %}
            and {{ subject }}.period_start between {{ decisions }}.effective_from
                and coalesce({{ decisions }}.effective_to, 'infinity'::date)
        order by {{ decisions }}.decided_on desc, {{ decisions }}.decision_id desc
        limit 1
    ) as decision on true
{% endmacro %}
