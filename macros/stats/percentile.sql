{#
    percentile(expression, fraction): the fraction-quantile of a numeric
    expression, as a double, as an aggregate.

    The engines differ in method, and the project relies on the difference being
    small, not zero: DuckDB's quantile_cont is exact (linear interpolation between
    the two nearest ranks, like numpy's default); Athena's approx_percentile is a
    quantile digest with a bounded rank error (about 1% by default), chosen
    because an exact percentile over a large Silver table would sort it in one
    worker. The cost panels round to cents, where the two agree on realistic data.
#}
{% macro percentile(expression, fraction) -%}
    {%- if fraction is not number or fraction < 0 or fraction > 1 -%}
        {{ exceptions.raise_compiler_error(
            "percentile(): fraction must be a number between 0 and 1, got " ~ fraction
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch("percentile", "innerverse")(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by cast({{ expression }} as double precision))
{%- endmacro %}

{% macro duckdb__percentile(expression, fraction) -%}
    quantile_cont(cast({{ expression }} as double), {{ fraction }})
{%- endmacro %}

{% macro athena__percentile(expression, fraction) -%}
    approx_percentile(cast({{ expression }} as double), {{ fraction }})
{%- endmacro %}
