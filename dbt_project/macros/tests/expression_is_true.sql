{#
    Generic test: every row satisfies a boolean SQL expression (written here because dbt hub
    packages such as dbt_utils cannot be downloaded on our machines).
    Usage: data_tests: [{expression_is_true: {arguments: {expression: "numerator <= denominator"}}}]
#}
{% test expression_is_true(model, expression, where_clause=none) %}
select *
from {{ model }}
where not ({{ expression }})
{% if where_clause %} and ({{ where_clause }}) {% endif %}
{% endtest %}
