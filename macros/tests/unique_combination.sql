{#
    unique_combination(columns): no two rows share the same values of `columns`
    (a composite key). Fails with each repeated combination and its count.
#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(", ") }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(", ") }}
having count(*) > 1

{% endtest %}
