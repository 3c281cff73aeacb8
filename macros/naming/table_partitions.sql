{#
    table_partitions(columns): the `partitioned_by` config of a Silver or Gold
    table. Athena writes a table's files in one S3 prefix per partition value,
    which is what keeps a query for one month from scanning two years. A DuckDB
    warehouse is one file and partitions only DuckLake relations, so there the
    config is left unset rather than ignored with a warning on every run. dbt-trino
    takes partitioning from a `properties` config, which a value for
    `partitioned_by` cannot set: on Trino the tables that use this macro are
    unpartitioned Iceberg tables (the day-partitioned Gold tables are partitioned,
    day_partitions.sql). Correct, but a large Silver on a Trino cluster would want
    its models to pass `properties` too.

    Use: {{ config(partitioned_by=table_partitions(['turn_date'])) }}
#}
{% macro table_partitions(columns) -%}
    {{ return(adapter.dispatch("table_partitions", "innerverse")(columns)) }}
{%- endmacro %}

{% macro default__table_partitions(columns) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro athena__table_partitions(columns) -%}
    {{ return(columns) }}
{%- endmacro %}
