{#
    crisis_rank(level) / crisis_level_of_rank(rank): crisis levels in order,
    so a person's highest level in a period can be taken with max() and named
    again: none 0, low 1, medium 2, high 3.
#}
{% macro crisis_rank(level) -%}
    case {{ level }} when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end
{%- endmacro %}

{% macro crisis_level_of_rank(rank) -%}
    case {{ rank }} when 3 then 'high' when 2 then 'medium' when 1 then 'low' else 'none' end
{%- endmacro %}
