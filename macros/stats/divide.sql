{#
    divide(numerator, denominator): numerator / denominator as a double, null
    when the denominator is zero or null.

    The engines disagree on `/` between integers: Athena (Trino) divides
    integers as integers (7 / 2 = 3, the fraction is lost) while DuckDB returns
    a double (7 / 2 = 3.5). Every ratio in the project goes through this macro,
    so both engines give 3.5. Exact decimal arithmetic (money) does not divide
    at all; see usd_for_tokens.
#}
{% macro divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0)
{%- endmacro %}
