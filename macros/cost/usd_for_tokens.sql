{#
    usd_for_tokens(tokens, usd_per_million): the exact cost of a token count at a
    rate in USD per million tokens, as decimal(20, 10).

    Dividing by 1,000,000 would turn the decimal into a double on DuckDB (its
    decimal division returns DOUBLE) while Athena keeps a decimal; multiplying by
    the decimal literal 0.000001 stays exact and decimal on both engines.
#}
{% macro usd_for_tokens(tokens, usd_per_million) -%}
    cast(
        cast({{ tokens }} as decimal(20, 0))
        * cast({{ usd_per_million }} as decimal(12, 6))
        * cast(0.000001 as decimal(7, 6))
        as decimal(20, 10)
    )
{%- endmacro %}
