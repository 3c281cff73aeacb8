{#
    A build tests what it wrote.

    Every Silver row carries `built_at`: when the dbt invocation that last wrote
    it started (build_started_at()). An incremental build merges only its
    look-back window, and the rows it does not touch were tested by the build
    that wrote them; so in `dbt build` the tests of a table with `built_at` read
    only the rows of this build: all of them after a first build or a full
    refresh, a few days' worth on a daily run. `dbt test`, and any other
    command, reads every row: run it after changing a rule or a test, so old rows
    meet the new one.

    Generic tests get the filter through dbt's own hook, get_where_subquery()
    (with any `where` of their config); the privacy tests through
    rows_this_build_wrote().
#}

{#- The start of this invocation as a timestamp literal: the same value in every model and test. -#}
{% macro build_started_at() -%}
    {{ as_timestamp("'" ~ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") ~ "'") }}
{%- endmacro %}


{#-
    Only the rows this build wrote, when it is a `dbt build` and the relation
    says which they are: its model documents a `built_at` column (every column
    is documented; tests/test_docs.py), looked up in the graph rather than asked
    of the database, which would cost a query for every test.
-#}
{% macro build_filter(relation) -%}
    {%- if not execute or flags.WHICH != "build" -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values()
          if node.resource_type == "model"
          and node.alias | lower == relation.identifier | lower
          and node.schema | lower == relation.schema | lower
          and "built_at" in node.columns -%}
        {{ return("built_at = " ~ build_started_at()) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{#- `relation`, or the subquery of its rows that meet every condition, to read `from`. -#}
{% macro rows_where(relation, conditions) -%}
    {%- if not conditions -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ return("(select * from " ~ relation ~ " where " ~ conditions | join(" and ") ~ ")") }}
{%- endmacro %}


{#- `relation`, or the subquery of its rows this build wrote. -#}
{% macro rows_this_build_wrote(relation) -%}
    {%- set filter = build_filter(relation) -%}
    {{ return(rows_where(relation, [filter] if filter is not none else [])) }}
{%- endmacro %}


{#- dbt's hook for a generic test's `where`, with the build's filter added. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get("where") -%}
        {%- do conditions.append("(" ~ config.get("where") ~ ")") -%}
    {%- endif -%}
    {%- set filter = build_filter(relation) -%}
    {%- if filter is not none -%}
        {%- do conditions.append(filter) -%}
    {%- endif -%}
    {%- set rows = rows_where(relation, conditions) -%}
    {{ return(rows ~ " dbt_subquery" if conditions else rows) }}
{%- endmacro %}
