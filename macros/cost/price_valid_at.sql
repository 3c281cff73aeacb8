{#
    price_valid_at(prices, model_id, at): the join condition that picks the
    price row of `model_id` valid at instant `at`: effective_from inclusive,
    effective_to exclusive, open-ended when null. Every costed model uses it,
    so the rule lives in one place.
#}
{% macro price_valid_at(prices, model_id, at) -%}
    {{ prices }}.model_id = {{ model_id }}
    and {{ at }} >= {{ prices }}.valid_from_at
    and ({{ prices }}.valid_to_at is null or {{ at }} < {{ prices }}.valid_to_at)
{%- endmacro %}
