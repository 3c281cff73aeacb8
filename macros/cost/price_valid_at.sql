{#
    price_valid_at(prices, model_id, at): the join condition that picks the
    price row of `model_id` valid at instant `at`: effective_from inclusive,
    effective_to exclusive, open-ended when null. Every costed model uses it,
    so the rule lives in one place.
#}
{% macro price_valid_at(prices, model_id, at) -%}
    {#- No OR in the condition: with the open end as a far date, the engines join on
        model_id by hash and filter the range, instead of a nested loop. -#}
    {{ prices }}.model_id = {{ model_id }}
    and {{ at }} >= {{ prices }}.valid_from_at
    and {{ at }} < coalesce({{ prices }}.valid_to_at, {{ as_timestamp("'9999-12-31 00:00:00'") }})
{%- endmacro %}


{#
    recost_turns_since(): the day from which Silver's turns are costed again
    (the var `recost_turns_since`, 'YYYY-MM-DD'), or none. Only in an
    incremental run: a first build costs everything anyway.
#}
{% macro recost_turns_since() -%}
    {%- set since = var("recost_turns_since", none) -%}
    {%- if since is none or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not modules.re.fullmatch("[0-9]{4}-[0-9]{2}-[0-9]{2}", since | string) -%}
        {{ exceptions.raise_compiler_error("recost_turns_since must be a date, YYYY-MM-DD; got " ~ since) }}
    {%- endif -%}
    {{ return(since | string) }}
{%- endmacro %}
