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
    - Trino: the same operation, the same table (Hive JSON SerDe, the same
      projection) in Trino's own DDL, in the Hive catalog `trino_lake_catalog`
      names; the dbt target's Iceberg catalog redirects the names to it.

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

{% macro trino__lake_column_type(data_type) -%}
    {#-
        Trino's DDL names, not Hive's: varchar, array(varchar). A lake timestamp is
        timestamp(3), what the JSON SerDe yields on Athena too (milliseconds).
    -#}
    {%- set types = {
        "varchar": "varchar", "integer": "integer", "bigint": "bigint", "double": "double",
        "boolean": "boolean", "timestamp": "timestamp(3)", "array<varchar>": "array(varchar)",
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
        {%- if lake_is_columnar(node) -%}
            {%- do run_query(duckdb_lake_parquet_view_sql(node)) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}


{% macro duckdb_lake_parquet_view_sql(node) -%}
    {%- set files = lake_location(node.meta["lake_prefix"]) ~ "/*/parquet/*.parquet" -%}
    {%- set found = run_query("select count(*) from glob('" ~ files ~ "')").columns[0].values()[0] -%}
    {%- set relation = lake_schema() ~ "." ~ lake_parquet_identifier(node.identifier) -%}
    {%- set kept = lake_parquet_kept_keys(node) -%}
    create or replace view {{ relation }} as
    select
        {%- for name, data_type in lake_file_columns(node) %}
        {{ "cast(" ~ name ~ " as " if found > 0 else "cast(null as " }}{{ lake_column_type(data_type) }}) as {{ name }},
        {%- endfor %}
        {%- for key in kept %}
        {{ "cast(" ~ key ~ " as " if found > 0 else "cast(null as " }}VARCHAR) as {{ key }},
        {%- endfor %}
        {{ "dt" if found > 0 else "cast(null as VARCHAR) as dt" }}
    {%- if found > 0 %}
    {#- union_by_name: a day rolled up before a column was declared reads it as null. #}
    from read_parquet(
        '{{ files }}',
        hive_partitioning = true,
        hive_types = {'dt': 'VARCHAR'},
        union_by_name = true
    )
    {%- else %}
    where false
    {%- endif -%}
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
    Athena and Trino: creates (or, with replace, re-creates) the external tables.
-#}
{% macro create_lake_tables(replace=false) -%}
    {#- Every statement is rendered before the first runs, so a bad setting changes nothing. -#}
    {%- set statements = adapter.dispatch("lake_table_statements", "innerverse")(replace) -%}
    {%- if statements is none -%}
        {{ log("create_lake_tables: nothing to do on " ~ target.type ~ "; its lake views are made on every run", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {%- for node in lake_tables() -%}
        {{ log("created " ~ lake_schema() ~ "." ~ node.identifier, info=true) }}
        {%- if lake_is_columnar(node) -%}
            {{ log("created " ~ lake_schema() ~ "." ~ lake_parquet_identifier(node.identifier), info=true) }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{% macro default__lake_table_statements(replace) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro athena__lake_table_statements(replace) -%}
    {%- set statements = ["create database if not exists `" ~ lake_schema() ~ "`"] -%}
    {%- for node in lake_tables() -%}
        {%- if replace -%}
            {%- do statements.append("drop table if exists `" ~ lake_schema() ~ "`.`" ~ node.identifier ~ "`") -%}
        {%- endif -%}
        {%- do statements.append(athena_lake_table_ddl(node)) -%}
        {%- if lake_is_columnar(node) -%}
            {%- if replace -%}
                {%- do statements.append("drop table if exists `" ~ lake_schema() ~ "`.`" ~ lake_parquet_identifier(node.identifier) ~ "`") -%}
            {%- endif -%}
            {%- do statements.append(athena_lake_parquet_table_ddl(node)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements) }}
{%- endmacro %}

{% macro trino__lake_table_statements(replace) -%}
    {#-
        Trino has no Hive DDL (no `row format serde`, `stored as`, `tblproperties`):
        the same table is declared in its own, with the SerDe as `format = 'JSON'`
        (the class Athena's DDL names, org.apache.hive.hcatalog.data.JsonSerDe), the
        projection as column properties, and the timestamp format as a table
        parameter (`extra_properties`), where Trino's JSON reader looks for it too.
        The tables live in the Hive catalog, which a dbt target's Iceberg catalog
        cannot create them in.
    -#}
    {%- set schema = var("trino_lake_catalog") ~ "." ~ lake_schema() -%}
    {%- set statements = ["create schema if not exists " ~ schema] -%}
    {%- for node in lake_tables() -%}
        {%- if replace -%}
            {%- do statements.append("drop table if exists " ~ schema ~ "." ~ node.identifier) -%}
        {%- endif -%}
        {%- do statements.append(trino_lake_table_ddl(node, schema)) -%}
        {%- if lake_is_columnar(node) -%}
            {%- if replace -%}
                {%- do statements.append("drop table if exists " ~ schema ~ "." ~ lake_parquet_identifier(node.identifier)) -%}
            {%- endif -%}
            {%- do statements.append(trino_lake_parquet_table_ddl(node, schema)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements) }}
{%- endmacro %}


{#- The lake's timestamps: ISO 8601 in UTC with milliseconds, as ingest writes them. -#}
{% macro lake_timestamp_format() -%}
    {{ return("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'") }}
{%- endmacro %}


{#-
    How each partition key is projected: a day from the var `lake_first_day` to
    today, an hour 00-23. The one declaration both engines' DDL spell out.
-#}
{% macro lake_partition_projection(key) -%}
    {%- set first_day = var("lake_first_day") | string -%}
    {%- if not modules.re.fullmatch("[0-9]{4}-[0-9]{2}-[0-9]{2}", first_day) -%}
        {{ exceptions.raise_compiler_error("lake_first_day must be a date, YYYY-MM-DD; got " ~ first_day) }}
    {%- endif -%}
    {%- set projections = {
        "dt": {"type": "date", "format": "yyyy-MM-dd", "range": [first_day, "NOW"], "interval": 1, "interval_unit": "DAYS"},
        "hour": {"type": "integer", "range": ["0", "23"], "digits": 2},
    } -%}
    {%- if key not in projections -%}
        {{ exceptions.raise_compiler_error("no partition projection is defined for partition key " ~ key) }}
    {%- endif -%}
    {{ return(projections[key]) }}
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
with serdeproperties ('timestamp.formats' = "{{ lake_timestamp_format() }}")
stored as inputformat 'org.apache.hadoop.mapred.TextInputFormat'
outputformat 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
location '{{ location }}/'
tblproperties (
    'classification' = 'json',
    'compressionType' = 'gzip'
    {%- if partitions %},
    'projection.enabled' = 'true',
    {%- for key in partitions %}
    {%- set projection = lake_partition_projection(key) %}
    'projection.{{ key }}.type' = '{{ projection.type }}',
    {%- if projection.format %}
    'projection.{{ key }}.format' = '{{ projection.format }}',
    {%- endif %}
    'projection.{{ key }}.range' = '{{ projection.range | join(",") }}',
    {%- if projection.interval %}
    'projection.{{ key }}.interval' = '{{ projection.interval }}',
    'projection.{{ key }}.interval.unit' = '{{ projection.interval_unit }}',
    {%- endif %}
    {%- if projection.digits %}
    'projection.{{ key }}.digits' = '{{ projection.digits }}',
    {%- endif %}
    {%- endfor %}
    'storage.location.template' = '{{ location }}/{% for key in partitions %}{{ key }}=${ {{- key -}} }/{% endfor %}'
    {%- endif %}
)
{%- endmacro %}


{% macro trino_lake_table_ddl(node, schema) -%}
    {%- set partitions = node.meta.get("partitioned_by", []) -%}
    {%- set location = trino_lake_location(node.meta["lake_prefix"]) -%}
    {%- set columns = [] -%}
    {%- for name, data_type in lake_file_columns(node) -%}
        {%- do columns.append(name ~ " " ~ trino__lake_column_type(data_type | lower | trim)) -%}
    {%- endfor -%}
    {#- Trino lists the partition keys last, each with its projection. -#}
    {%- for key in partitions -%}
        {%- set projection = lake_partition_projection(key) -%}
        {%- set properties = ["partition_projection_type = '" ~ projection.type ~ "'"] -%}
        {%- if projection.format -%}
            {%- do properties.append("partition_projection_format = '" ~ projection.format ~ "'") -%}
        {%- endif -%}
        {%- if projection.interval -%}
            {%- do properties.append("partition_projection_interval = " ~ projection.interval) -%}
            {%- do properties.append("partition_projection_interval_unit = '" ~ projection.interval_unit ~ "'") -%}
        {%- endif -%}
        {%- if projection.digits -%}
            {%- do properties.append("partition_projection_digits = " ~ projection.digits) -%}
        {%- endif -%}
        {%- do properties.append("partition_projection_range = array['" ~ projection.range | join("', '") ~ "']") -%}
        {%- do columns.append(key ~ " varchar with (" ~ properties | join(", ") ~ ")") -%}
    {%- endfor -%}
create table if not exists {{ schema }}.{{ node.identifier }} (
    {{ columns | join(",\n    ") }}
) with (
    format = 'JSON',
    external_location = '{{ location }}',
    {%- if partitions %}
    partitioned_by = array['{{ partitions | join("', '") }}'],
    partition_projection_enabled = true,
    partition_projection_location_template = '{{ location }}/{% for key in partitions %}{{ key }}=${ {{- key -}} }{{ "/" if not loop.last }}{% endfor %}',
    {%- endif %}
    extra_properties = map(array['timestamp.formats'], array['{{ lake_timestamp_format() | replace("'", "''") }}'])
)
{%- endmacro %}


{#-
    A lake prefix as a Trino location: s3://... as it is (a cluster with S3
    access), a local folder as local:///abs/path (Trino's local file system,
    rooted at /, as `sage trino serve` configures it).
-#}
{% macro trino_lake_location(prefix) -%}
    {%- set location = lake_location(prefix) -%}
    {%- if location.startswith("s3://") -%}
        {{ return(location) }}
    {%- elif location.startswith("/") -%}
        {{ return("local://" ~ location) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "the lake for Trino must be s3://bucket/prefix or an absolute folder, not " ~ var("lake")
    ) }}
{%- endmacro %}
