{#
    day_partitioned(column): the config of a Gold table that grows by one
    partition a day and is recomputed for the look-back window on each run.

    Whole days are replaced, never merged row by row: a group that disappears
    (every user of a cell erased, a late correction) must disappear from the
    table too. DuckDB spells that `delete+insert` on the date; Athena
    `insert_overwrite` on a Hive table partitioned by the date (at most the
    look-back's few partitions per query, far under Athena's 100).

    Use: {{ config(**day_partitioned('activity_date')) }}
#}
{% macro day_partitioned(column) -%}
    {{ return(adapter.dispatch("day_partitioned", "innerverse")(column)) }}
{%- endmacro %}

{% macro default__day_partitioned(column) -%}
    {{ return({
        "materialized": "incremental",
        "incremental_strategy": "delete+insert",
        "unique_key": column,
        "on_schema_change": "fail",
    }) }}
{%- endmacro %}

{% macro athena__day_partitioned(column) -%}
    {{ return({
        "materialized": "incremental",
        "incremental_strategy": "insert_overwrite",
        "table_type": "hive",
        "partitioned_by": [column],
        "on_schema_change": "fail",
    }) }}
{%- endmacro %}
