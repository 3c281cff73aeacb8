{#
    accepted_range(min_value, max_value, inclusive=true): every non-null value of
    the column lies in the range. Either bound may be omitted. Fails with the
    offending rows.
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error("accepted_range on " ~ column_name ~ " needs min_value or max_value") }}
    {%- endif -%}

with

checked as (

    select {{ column_name }} as value
    from {{ model }}
    where {{ column_name }} is not null

)

select *
from checked
where
    1 = 0
    {%- if min_value is not none %}
    or value {{ "<" if inclusive else "<=" }} {{ min_value }}
    {%- endif %}
    {%- if max_value is not none %}
    or value {{ ">" if inclusive else ">=" }} {{ max_value }}
    {%- endif %}

{% endtest %}
