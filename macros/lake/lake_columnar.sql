{#
    Bronze's closed days as Parquet, beside the open days' NDJSON.gz.

    `sage rollup` (lakehouse/rollup.py) turns each closed day of a lake table that
    declares `columnar_sort_by` into one object,
    `<lake_prefix>/dt=YYYY-MM-DD/parquet/<table>-YYYY-MM-DD.parquet`: the file
    columns of the YAML and every partition key but `dt` (so `hour`), with `dt` in
    the path. Each such table gets a second lake relation, `<table>_parquet`, made
    by the same operations as the JSON one:

    - DuckDB: a view over read_parquet (hive `dt`), on every run;
    - Athena: an external Parquet table with partition projection on `dt`, whose
      location template points into each day's `parquet/` folder, so it never lists
      an hour folder, and the JSON table's template (`dt=/hour=`) never lists it;
    - Trino: the same table in Trino's DDL.

    lake_rows() is what each Bronze model reads: the two relations as one, with
    the same columns in the same order, each day from exactly one of them: a day
    with a Parquet object from it alone, any other day from its NDJSON. NDJSON
    left in a rolled day's hour folders is either already in the Parquet (the
    moment between a rollup publishing the day and deleting its NDJSON, or a
    rollup stopped there) or late lines, which the next rollup merges; reading
    it too would count the first twice with the same received_at, which Silver's
    de-duplication (first_copies) keeps both of. So at every moment each row is
    read once, and no day is ever missing.
#}

{% macro lake_is_columnar(node) -%}
    {{ return("dt" in node.meta.get("partitioned_by", []) and node.meta.get("columnar_sort_by")) }}
{%- endmacro %}


{% macro lake_parquet_identifier(identifier) -%}
    {{ return(identifier ~ "_parquet") }}
{%- endmacro %}


{#- The partition keys a rolled-up day keeps as columns in the file: all but dt. -#}
{% macro lake_parquet_kept_keys(node) -%}
    {{ return(node.meta.get("partitioned_by", []) | reject("equalto", "dt") | list) }}
{%- endmacro %}


{% macro lake_table_node(table_name) -%}
    {%- for node in lake_tables() -%}
        {%- if node.name == table_name -%}
            {{ return(node) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{#-
    The rows of a lake table for its Bronze model: the NDJSON relation (the dbt
    source, so lineage shows it) and, for a rolled-up table, its Parquet relation.
-#}
{% macro lake_rows(table_name) -%}
    {%- set json_relation = source("lake", table_name) -%}
    {%- set node = lake_table_node(table_name) if execute else none -%}
    {%- if node is none or not lake_is_columnar(node) -%}
    select * from {{ json_relation }}
    {%- else -%}
        {%- set columns = [] -%}
        {%- for name, data_type in lake_file_columns(node) -%}
            {%- do columns.append(name) -%}
        {%- endfor -%}
        {%- set columns = columns + node.meta["partitioned_by"] -%}
        {%- set parquet_relation = json_relation.incorporate(
            path={"identifier": lake_parquet_identifier(json_relation.identifier)}
        ) -%}
    select {{ columns | join(", ") }}
    from {{ json_relation }}
    where dt not in (select distinct dt from {{ parquet_relation }})
    union all
    select {{ columns | join(", ") }}
    from {{ parquet_relation }}
    {%- endif -%}
{%- endmacro %}


{% macro athena_lake_parquet_table_ddl(node) -%}
    {%- set location = lake_location(node.meta["lake_prefix"]) -%}
    {%- if not location.startswith("s3://") -%}
        {{ exceptions.raise_compiler_error(
            "the lake must be on S3 for Athena: set SAGE_LAKE=s3://bucket/prefix, not " ~ var("lake")
        ) }}
    {%- endif -%}
    {%- set projection = lake_partition_projection("dt") -%}
create external table if not exists `{{ lake_schema() }}`.`{{ lake_parquet_identifier(node.identifier) }}` (
    {%- for name, data_type in lake_file_columns(node) %}
    `{{ name }}` {{ athena__lake_column_type(data_type | lower | trim) }},
    {%- endfor %}
    {%- for key in lake_parquet_kept_keys(node) %}
    `{{ key }}` string{{ "," if not loop.last }}
    {%- endfor %}
)
partitioned by (`dt` string)
stored as parquet
location '{{ location }}/'
tblproperties (
    'classification' = 'parquet',
    'parquet.compression' = 'ZSTD',
    'projection.enabled' = 'true',
    'projection.dt.type' = '{{ projection.type }}',
    'projection.dt.format' = '{{ projection.format }}',
    'projection.dt.range' = '{{ projection.range | join(",") }}',
    'projection.dt.interval' = '{{ projection.interval }}',
    'projection.dt.interval.unit' = '{{ projection.interval_unit }}',
    'storage.location.template' = '{{ location }}/dt=${dt}/parquet/'
)
{%- endmacro %}


{% macro trino_lake_parquet_table_ddl(node, schema) -%}
    {%- set location = trino_lake_location(node.meta["lake_prefix"]) -%}
    {%- set projection = lake_partition_projection("dt") -%}
    {%- set columns = [] -%}
    {%- for name, data_type in lake_file_columns(node) -%}
        {%- do columns.append(name ~ " " ~ trino__lake_column_type(data_type | lower | trim)) -%}
    {%- endfor -%}
    {%- for key in lake_parquet_kept_keys(node) -%}
        {%- do columns.append(key ~ " varchar") -%}
    {%- endfor -%}
    {%- do columns.append(
        "dt varchar with (partition_projection_type = '" ~ projection.type ~ "', "
        ~ "partition_projection_format = '" ~ projection.format ~ "', "
        ~ "partition_projection_interval = " ~ projection.interval ~ ", "
        ~ "partition_projection_interval_unit = '" ~ projection.interval_unit ~ "', "
        ~ "partition_projection_range = array['" ~ projection.range | join("', '") ~ "'])"
    ) -%}
create table if not exists {{ schema }}.{{ lake_parquet_identifier(node.identifier) }} (
    {{ columns | join(",\n    ") }}
) with (
    format = 'PARQUET',
    external_location = '{{ location }}',
    partitioned_by = array['dt'],
    partition_projection_enabled = true,
    partition_projection_location_template = '{{ location }}/dt=${dt}/parquet'
)
{%- endmacro %}
