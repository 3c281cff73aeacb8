{#
    day_partitioned(column, row_key=none): the config of a Gold table that grows
    by one partition a day and is recomputed for the look-back window on each run.

    Whole days are replaced, never merged row by row: a group that disappears
    (every user of a cell erased, a late correction) must disappear from the
    table too. DuckDB spells that `delete+insert` on the date; Athena
    `insert_overwrite` on a Hive table partitioned by the date (at most the
    look-back's few partitions per query, far under Athena's 100); Trino, whose
    dbt adapter has no `insert_overwrite`, `delete+insert` on an Iceberg table
    partitioned by the date, so the delete drops whole partitions. The first
    build and a --full-refresh write every day at once: `force_batch` makes
    dbt-athena write them 100 partitions a statement from the start, rather
    than after a statement that failed on the limit (and was billed for its scan).

    Use: {{ config(**day_partitioned('activity_date')) }}, and for a table of
    rows per user, with the columns that identify a row:
    {{ config(**day_partitioned('activity_date', row_key=['user_key', 'activity_date'])) }}
#}
{% macro day_partitioned(column, row_key=none) -%}
    {{ return(adapter.dispatch("day_partitioned", "innerverse")(column, row_key)) }}
{%- endmacro %}

{% macro default__day_partitioned(column, row_key=none) -%}
    {{ return({
        "materialized": "incremental",
        "incremental_strategy": "delete+insert",
        "unique_key": column,
        "on_schema_change": "fail",
    }) }}
{%- endmacro %}

{% macro athena__day_partitioned(column, row_key=none) -%}
    {%- if row_key is none -%}
        {{ return({
            "materialized": "incremental",
            "incremental_strategy": "insert_overwrite",
            "table_type": "hive",
            "partitioned_by": [column],
            "force_batch": true,
            "on_schema_change": "fail",
        }) }}
    {%- endif -%}
    {#-
        A table of one row per user (and day) must let erasure delete a user's
        rows, in every partition, not only the look-back's: a Hive table cannot
        delete rows, so such a table is Iceberg, and the look-back days are
        merged on the row's key. (A user-day does not vanish short of erasure,
        which deletes it directly, so merging the days equals replacing them.)
    -#}
    {{ return({
        "materialized": "incremental",
        "incremental_strategy": "merge",
        "unique_key": row_key,
        "table_type": "iceberg",
        "partitioned_by": [column],
        "force_batch": true,
        "on_schema_change": "fail",
    }) }}
{%- endmacro %}

{% macro trino__day_partitioned(column, row_key=none) -%}
    {#-
        dbt-trino reads table properties from `properties` (Athena's
        `table_type`/`partitioned_by` mean nothing to it); the target catalog is
        Iceberg, so every table can delete rows, and a user's rows go by erasure
        on either strategy. A table of rows per user merges on its row key as on
        Athena; the others replace whole days.
    -#}
    {%- set config = {
        "materialized": "incremental",
        "properties": {"partitioning": "array['" ~ column ~ "']"},
        "on_schema_change": "fail",
    } -%}
    {%- if row_key is none -%}
        {%- do config.update({"incremental_strategy": "delete+insert", "unique_key": column}) -%}
    {%- else -%}
        {%- do config.update({"incremental_strategy": "merge", "unique_key": row_key}) -%}
    {%- endif -%}
    {{ return(config) }}
{%- endmacro %}
