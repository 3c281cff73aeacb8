{#
    materialized_cte(): put between `name as` and `(` of a CTE that later CTEs
    read more than once, so it is computed once.

    DuckDB inlines a CTE into every place it is used unless told
    `as materialized`; silver_turns would parse the raw JSON three times (once
    for the rows, twice for the distinct ids to key). Trino plans shared CTEs
    itself and has no such keyword, so on Athena this renders nothing.
#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch("materialized_cte", "innerverse")()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
    materialized
{%- endmacro %}
