{#
    Confidence intervals for the numbers the panels show: every mean or rate a
    panel shows sits next to its interval, its sample size and the method's name.

    t_critical_95(df): the two-sided 95% critical value of Student's t with df
    degrees of freedom. Neither engine has a t quantile function, so the usual
    table is spelled out (df 1-30, then 40, 60, 120, then the normal 1.96); a df
    between two table rows takes the larger value, which widens the interval
    slightly rather than narrowing it.
#}
{% macro t_critical_95(df) -%}
    case
        when {{ df }} is null or {{ df }} < 1 then null
        {%- for degrees, value in [
            (1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (6, 2.447), (7, 2.365),
            (8, 2.306), (9, 2.262), (10, 2.228), (11, 2.201), (12, 2.179), (13, 2.160),
            (14, 2.145), (15, 2.131), (16, 2.120), (17, 2.110), (18, 2.101), (19, 2.093),
            (20, 2.086), (21, 2.080), (22, 2.074), (23, 2.069), (24, 2.064), (25, 2.060),
            (26, 2.056), (27, 2.052), (28, 2.048), (29, 2.045), (30, 2.042), (40, 2.021),
            (60, 2.000), (120, 1.980),
        ] %}
        when {{ df }} <= {{ degrees }} then {{ value }}
        {%- endfor %}
        else 1.960
    end
{%- endmacro %}


{#-
    t-interval for a mean from aggregates: mean ± t(0.975, n - 1) * sd / sqrt(n).
    Returns the half-width; null for fewer than two observations.
-#}
{% macro t_interval_half_width(sd, n) -%}
    case
        when {{ n }} >= 2 then {{ t_critical_95(n ~ " - 1") }} * {{ sd }} / sqrt(cast({{ n }} as double))
    end
{%- endmacro %}


{#-
    Wilson score interval for a proportion of `successes` out of `n` at 95%
    (z = 1.96): better than the normal approximation for small n and for rates
    near 0 or 1, such as the share of turns flagged for crisis. Renders two
    columns, `<name>_ci_low` and `<name>_ci_high`.
-#}
{% macro wilson_interval(successes, n, name) -%}
    {%- set p = divide(successes, n) -%}
    {#- z squared as a double: a literal like 3.8416 is a DECIMAL(5, 4) on Athena,
        and Trino divides decimals at the larger scale, so 3.8416 / (4.0 * n * n)
        would round to 0.0000 for n in the thousands (DuckDB gives a double). -#}
    {%- set z2 = "cast(3.8416 as double)" -%}
    case when {{ n }} > 0 then
        ({{ p }} + {{ z2 }} / (2.0 * {{ n }})
            - 1.96 * sqrt({{ p }} * (1 - {{ p }}) / {{ n }} + {{ z2 }} / (4.0 * {{ n }} * {{ n }})))
        / (1 + {{ z2 }} / {{ n }})
    end as {{ name }}_ci_low,
    case when {{ n }} > 0 then
        ({{ p }} + {{ z2 }} / (2.0 * {{ n }})
            + 1.96 * sqrt({{ p }} * (1 - {{ p }}) / {{ n }} + {{ z2 }} / (4.0 * {{ n }} * {{ n }})))
        / (1 + {{ z2 }} / {{ n }})
    end as {{ name }}_ci_high
{%- endmacro %}
