{#
    The lake's raw files as relations, one per table of the `lake` source.

    The columns, their types and the partition keys are declared once, in
    models/bronze/_lake__sources.yml; both engines build their relation from
    that declaration:

    - DuckDB: on every run (an on-run-start hook), a view over the NDJSON.gz
      files with read_json. Views re-list the files when queried, so new data
      needs no DDL. A table with no files yet gets an empty view of the right
      shape, because read_json fails on a glob that matches nothing.
    - Athena: once, `dbt run-operation create_lake_tables`, an external table
      with the Hive JSON SerDe and partition projection on dt/hour, so new
      partitions are found without MSCK REPAIR or Glue crawlers.

    Column types in the YAML are written engine-neutrally (varchar, integer,
    bigint, double, boolean, timestamp, array<varchar>); lake_column_type()
    translates them.
#}

{% macro lake_schema() -%}
    {{ return(target.schema ~ "_lake") }}
{%- endmacro %}


{% macro lake_location(prefix) -%}
    {{ return(var("lake").rstrip("/") ~ "/" ~ prefix.strip("/")) }}
{%- endmacro %}


{% macro lake_tables() -%}
    {%- set tables = [] -%}
    {%- for node in graph.sources.values() | sort(attribute="name") -%}
        {%- if node.source_name == "lake" -%}
            {%- do tables.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}


{#- (name, type) of the table's columns that are stored in the files, not in the path. -#}
{% macro lake_file_columns(node) -%}
    {%- set partitions = node.meta.get("partitioned_by", []) -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- if column.name not in partitions -%}
            {%- if not column.data_type -%}
                {{ exceptions.raise_compiler_error(
                    "lake." ~ node.name ~ "." ~ column.name ~ " has no data_type in its source YAML"
                ) }}
            {%- endif -%}
            {%- do columns.append((column.name, column.data_type)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{% macro lake_column_type(data_type) -%}
    {{ return(adapter.dispatch("lake_column_type", "innerverse")(data_type | lower | trim)) }}
{%- endmacro %}

{% macro default__lake_column_type(data_type) -%}
    {%- set types = {
        "varchar": "VARCHAR", "integer": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE",
        "boolean": "BOOLEAN", "timestamp": "TIMESTAMP", "array<varchar>": "VARCHAR[]",
    } -%}
    {%- if data_type not in types -%}
        {{ exceptions.raise_compiler_error("lake column type " ~ data_type ~ " is not one of " ~ types.keys() | join(", ")) }}
    {%- endif -%}
    {{ return(types[data_type]) }}
{%- endmacro %}

{% macro athena__lake_column_type(data_type) -%}
    {#- Hive DDL names: string, not varchar (a Hive varchar needs a length). -#}
    {%- set types = {
        "varchar": "string", "integer": "int", "bigint": "bigint", "double": "double",
        "boolean": "boolean", "timestamp": "timestamp", "array<varchar>": "array<string>",
    } -%}
    {%- if data_type not in types -%}
        {{ exceptions.raise_compiler_error("lake column type " ~ data_type ~ " is not one of " ~ types.keys() | join(", ")) }}
    {%- endif -%}
    {{ return(types[data_type]) }}
{%- endmacro %}


{#- on-run-start: make every lake table queryable. Returns no SQL of its own. -#}
{% macro create_lake_relations() -%}
    {%- if execute -%}
        {%- do adapter.dispatch("create_lake_relations", "innerverse")() -%}
    {%- endif -%}
    {{ return("") }}
{%- endmacro %}

{% macro default__create_lake_relations() -%}
    {#- Athena: the external tables are made once by create_lake_tables(), not per run. -#}
{%- endmacro %}

{% macro duckdb__create_lake_relations() -%}
    {%- do run_query("create schema if not exists " ~ lake_schema()) -%}
    {%- for node in lake_tables() -%}
        {%- do run_query(duckdb_lake_view_sql(node)) -%}
    {%- endfor -%}
{%- endmacro %}


{% macro duckdb_lake_view_sql(node) -%}
    {%- set partitions = node.meta.get("partitioned_by", []) -%}
    {%- set files = lake_location(node.meta["lake_prefix"]) ~ ("/*" * partitions | length) ~ "/*.ndjson.gz" -%}
    {%- set found = run_query("select count(*) from glob('" ~ files ~ "')").columns[0].values()[0] -%}
    {%- set relation = lake_schema() ~ "." ~ node.identifier -%}
    {%- if found > 0 -%}
        create or replace view {{ relation }} as
        select *
        from read_json(
            '{{ files }}',
            format = 'newline_delimited',
            compression = 'gzip',
            hive_partitioning = {{ "true" if partitions else "false" }},
            {%- if partitions %}
            hive_types = { {%- for key in partitions -%}'{{ key }}': 'VARCHAR'{{ ", " if not loop.last }}{%- endfor -%} },
            {%- endif %}
            columns = {
                {%- for name, data_type in lake_file_columns(node) %}
                '{{ name }}': '{{ lake_column_type(data_type) }}'{{ "," if not loop.last }}
                {%- endfor %}
            }
        )
    {%- else -%}
        {#- No files yet: an empty relation of the declared shape. -#}
        create or replace view {{ relation }} as
        select
            {%- for name, data_type in lake_file_columns(node) %}
            cast(null as {{ lake_column_type(data_type) }}) as {{ name }},
            {%- endfor %}
            {%- for key in partitions %}
            cast(null as VARCHAR) as {{ key }}{{ "," if not loop.last }}
            {%- endfor %}
        where false
    {%- endif -%}
{%- endmacro %}


{#-
    dbt run-operation create_lake_tables [--args '{replace: true}']
    Athena only: creates (or, with replace, re-creates) the external tables.
-#}
{% macro create_lake_tables(replace=false) -%}
    {%- if target.type != "athena" -%}
        {{ log("create_lake_tables: nothing to do on " ~ target.type ~ "; its lake views are made on every run", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {#- Every statement is rendered before the first runs, so a bad setting changes nothing. -#}
    {%- set statements = ["create database if not exists `" ~ lake_schema() ~ "`"] -%}
    {%- for node in lake_tables() -%}
        {%- if replace -%}
            {%- do statements.append("drop table if exists `" ~ lake_schema() ~ "`.`" ~ node.identifier ~ "`") -%}
        {%- endif -%}
        {%- do statements.append(athena_lake_table_ddl(node)) -%}
    {%- endfor -%}
    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {%- for node in lake_tables() -%}
        {{ log("created " ~ lake_schema() ~ "." ~ node.identifier, info=true) }}
    {%- endfor -%}
{%- endmacro %}


{% macro athena_lake_table_ddl(node) -%}
    {%- set partitions = node.meta.get("partitioned_by", []) -%}
    {%- set location = lake_location(node.meta["lake_prefix"]) -%}
    {#- Athena reads only S3; a local lake path would create a table over nothing. -#}
    {%- if not location.startswith("s3://") -%}
        {{ exceptions.raise_compiler_error(
            "the lake must be on S3 for Athena: set SAGE_LAKE=s3://bucket/prefix, not " ~ var("lake")
        ) }}
    {%- endif -%}
create external table if not exists `{{ lake_schema() }}`.`{{ node.identifier }}` (
    {%- for name, data_type in lake_file_columns(node) %}
    `{{ name }}` {{ athena__lake_column_type(data_type | lower | trim) }}{{ "," if not loop.last }}
    {%- endfor %}
)
{%- if partitions %}
partitioned by ({% for key in partitions %}`{{ key }}` string{{ ", " if not loop.last }}{% endfor %})
{%- endif %}
row format serde 'org.apache.hive.hcatalog.data.JsonSerDe'
with serdeproperties ('timestamp.formats' = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
stored as inputformat 'org.apache.hadoop.mapred.TextInputFormat'
outputformat 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
location '{{ location }}/'
tblproperties (
    'classification' = 'json',
    'compressionType' = 'gzip'
    {%- if partitions %},
    'projection.enabled' = 'true',
    {%- for key in partitions %}
    {%- if key == "dt" %}
    'projection.dt.type' = 'date',
    'projection.dt.format' = 'yyyy-MM-dd',
    'projection.dt.range' = '2020-01-01,NOW',
    'projection.dt.interval' = '1',
    'projection.dt.interval.unit' = 'DAYS',
    {%- elif key == "hour" %}
    'projection.hour.type' = 'integer',
    'projection.hour.range' = '0,23',
    'projection.hour.digits' = '2',
    {%- else %}
    {{ exceptions.raise_compiler_error("no partition projection is defined for partition key " ~ key) }}
    {%- endif %}
    {%- endfor %}
    'storage.location.template' = '{{ location }}/{% for key in partitions %}{{ key }}=${ {{- key -}} }/{% endfor %}'
    {%- endif %}
)
{%- endmacro %}
