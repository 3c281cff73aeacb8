{#
    The PII guard's rules in SQL, over every row of every Silver or Gold table
    the allow-list (privacy_allowlist(), macros/privacy/allowlist.sql) declares:
    the same rules `sage guard` runs with Great Expectations on a sample.

    privacy_findings(layer) is the body of the singular tests in
    data-tests/privacy/: one row per broken rule, with table, column, rule, the
    number of rows that break it and a masked example (first character and the
    length: never the value). No rows: the layer is clean.

    - allowlist: a built column the allow-list does not declare, or a declared
      column that is not built; a model of the layer that is not declared
    - type: a column declared as a number, boolean, timestamp or date is not one
    - email, phone, ipv4, ipv6, uuid, hex_id, free_text: a text value (or a list
      element) contains what the pattern describes
    - format: a pseudonym, event id or network does not have its exact form
    - source_id: a pseudonym equals an id as Bronze holds it (the app's unkeyed
      sha256)

    Each table is scanned once for all its pattern and format rules; the
    source-id rule is one join of every pseudonym column with Bronze's ids.
#}

{#- Does `text` contain a match of `pattern` (a pattern, not SQL) anywhere? -#}
{% macro regex_contains(text, pattern) -%}
    {{ regex_matches(text, privacy_sql_string(pattern)) }}
{%- endmacro %}


{#- Does any element of the list `values` contain a match of `pattern`? -#}
{% macro list_any_contains(values, pattern) -%}
    {{ return(adapter.dispatch("list_any_contains", "innerverse")(values, pattern)) }}
{%- endmacro %}

{% macro default__list_any_contains(values, pattern) -%}
    {#- Trino: any_match with a lambda over the array's elements. -#}
    any_match({{ values }}, element -> {{ regex_contains("element", pattern) }})
{%- endmacro %}

{% macro duckdb__list_any_contains(values, pattern) -%}
    {#- DuckDB: keep the matching elements, and count them. -#}
    len(list_filter({{ values }}, element -> {{ regex_contains("element", pattern) }})) > 0
{%- endmacro %}


{#- A list as one text, to show a masked example of it. -#}
{% macro list_as_text(values) -%}
    {{ return(adapter.dispatch("list_as_text", "innerverse")(values)) }}
{%- endmacro %}

{% macro default__list_as_text(values) -%}
    array_join({{ values }}, ',')
{%- endmacro %}

{% macro duckdb__list_as_text(values) -%}
    array_to_string({{ values }}, ',')
{%- endmacro %}


{#- A quoted SQL string literal; patterns keep their backslashes (standard SQL strings on both engines). -#}
{% macro privacy_sql_string(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}


{#- What a failing value looks like in a finding: its first character and its length. -#}
{% macro privacy_masked(text) -%}
    substr({{ text }}, 1, 1) || '*** (' || cast(length({{ text }}) as varchar) || ' characters)'
{%- endmacro %}


{#- The family of an engine's column type, as the allow-list's `types` map them. -#}
{% macro privacy_type_family(data_type, types) -%}
    {%- set text = data_type | lower | trim -%}
    {%- if text.endswith("[]") or text.startswith("array") -%}
        {{ return("list") }}
    {%- endif -%}
    {%- set base = text.split("(")[0] | trim -%}
    {%- for family, names in types.items() -%}
        {%- if base in names or text in names -%}
            {{ return(family) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return("other") }}
{%- endmacro %}


{% macro privacy_findings(layer) -%}
    {%- set declared = privacy_allowlist() -%}
    {%- set tables = declared["tables"][layer] -%}
    {#- ref() every declared table and every Bronze relation with source ids at parse
        time, so dbt runs this test after them. -#}
    {%- set relations = {} -%}
    {%- for name in tables | sort -%}
        {%- do relations.update({name: ref(layer ~ "_" ~ name)}) -%}
    {%- endfor -%}
    {%- set source_id_selects = [] -%}
    {%- for model_name in declared["bronze_source_ids"] | sort -%}
        {%- set bronze = ref(model_name) -%}
        {%- for column in declared["bronze_source_ids"][model_name] -%}
            {%- do source_id_selects.append("select " ~ column ~ " as source_id from " ~ bronze) -%}
        {%- endfor -%}
    {%- endfor -%}

    {%- set static = [] -%}      {#- (table, column, rule, detail): found without reading rows -#}
    {%- set scans = [] -%}       {#- (cte, relation, [(column, rule, predicate, shown)]) -#}
    {%- set semi_joins = [] -%}  {#- (cte, table, relation, column): pseudonyms to compare with Bronze -#}

    {%- if execute -%}
        {%- set types = declared["types"] -%}
        {%- set kinds = declared["kinds"] -%}
        {%- for name in tables | sort -%}
            {%- set label = layer ~ "." ~ name -%}
            {%- set relation = relations[name] -%}
            {%- set allowed = tables[name]["columns"] -%}
            {%- set built = {} -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do built.update({column.name | lower: column.dtype}) -%}
            {%- endfor -%}
            {%- for column in allowed | sort if column not in built -%}
                {%- do static.append((label, column, "allowlist", "declared in the allow-list but not built")) -%}
            {%- endfor -%}
            {%- set checks = [] -%}
            {%- for column in built | sort -%}
                {%- set family = privacy_type_family(built[column], types) -%}
                {%- set kind_name = allowed.get(column) -%}
                {%- if kind_name is none -%}
                    {%- do static.append((label, column, "allowlist", "built but not in the allow-list")) -%}
                {%- endif -%}
                {%- set kind = kinds[kind_name] if kind_name is not none else none -%}
                {%- if kind is not none and kind["type"] not in ("text", "list") and kind["type"] != family -%}
                    {%- do static.append((label, column, "type", "declared " ~ kind["type"] ~ ", built as " ~ built[column])) -%}
                {%- endif -%}
                {#- text where something else is declared is checked as a code -#}
                {%- set rules = kind if kind is not none and kind["type"] == family else kinds["code"] -%}
                {%- if family == "text" -%}
                    {%- for rule in rules.get("forbid", []) -%}
                        {%- do checks.append((column, rule, regex_contains(column, declared["patterns"][rule]), column)) -%}
                    {%- endfor -%}
                    {%- if rules.get("format") -%}
                        {%- do checks.append((column, "format", "not " ~ regex_contains(column, rules["format"]), column)) -%}
                    {%- endif -%}
                    {%- if rules.get("not_a_source_id") and source_id_selects -%}
                        {%- do semi_joins.append((name ~ "__" ~ column ~ "__source_ids", label, relation, column)) -%}
                    {%- endif -%}
                {%- elif family == "list" -%}
                    {%- for rule in rules.get("forbid", []) -%}
                        {%- do checks.append((column, rule, list_any_contains(column, declared["patterns"][rule]), list_as_text(column))) -%}
                    {%- endfor -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if checks -%}
                {%- do scans.append((name ~ "__scan", label, relation, checks)) -%}
            {%- endif -%}
        {%- endfor -%}
        {#- models of this layer that nobody declared (no ref: they are only named) -#}
        {%- for node in graph.nodes.values() | sort(attribute="name") -%}
            {%- if node.resource_type == "model" and node.config.schema == layer
                  and node.config.materialized != "ephemeral" and node.alias not in tables -%}
                {%- do static.append((layer ~ "." ~ node.alias, none, "allowlist", "model " ~ node.name ~ " is not in the allow-list")) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif %}

with

{% if semi_joins -%}
bronze_source_ids as (

    select distinct source_id
    from (
        {{ source_id_selects | join("\n        union all\n        ") }}
    ) as ids
    where source_id is not null

),
{%- endif %}

{% for cte, label, relation, checks in scans -%}
{{ cte }} as (

    select
        {%- for column, rule, predicate, shown in checks %}
        coalesce(sum(case when {{ column }} is not null and {{ predicate }} then 1 else 0 end), 0)
            as failing_{{ loop.index }},
        min(case when {{ column }} is not null and {{ predicate }} then {{ privacy_masked(shown) }} end) as example_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}

),

{% endfor -%}
{% if semi_joins -%}
pseudonyms as (

    {% for cte, label, relation, column in semi_joins -%}
    select '{{ label }}' as table_name, '{{ column }}' as column_name, {{ column }} as value
    from {{ relation }}
    {{- "\n    union all\n    " if not loop.last }}
    {% endfor %}

),

source_id_findings as (

    {#- one join for every pseudonym column: Bronze's ids are read once -#}
    select
        table_name,
        column_name,
        count(*) as failing_rows,
        min({{ privacy_masked("value") }}) as example
    from pseudonyms
    inner join bronze_source_ids
        on pseudonyms.value = bronze_source_ids.source_id
    group by 1, 2

),

{% endif -%}
findings as (

    select
        cast(null as varchar) as table_name,
        cast(null as varchar) as column_name,
        cast(null as varchar) as rule,
        cast(null as bigint) as failing_rows,
        cast(null as varchar) as detail
    where 1 = 0
    {%- for label, column, rule, detail in static %}
    union all
    select
        '{{ label }}' as table_name,
        {{ "'" ~ column ~ "'" if column else "null" }} as column_name,
        '{{ rule }}' as rule,
        null as failing_rows,
        {{ privacy_sql_string(detail) }} as detail
    {%- endfor %}
    {%- for cte, label, relation, checks in scans %}
    {%- for column, rule, predicate, shown in checks %}
    union all
    select
        '{{ label }}' as table_name,
        '{{ column }}' as column_name,
        '{{ rule }}' as rule,
        cast(failing_{{ loop.index }} as bigint) as failing_rows,
        example_{{ loop.index }} as detail
    from {{ cte }}
    {%- endfor %}
    {%- endfor %}
    {%- if semi_joins %}
    union all
    select
        table_name,
        column_name,
        'source_id' as rule,
        cast(failing_rows as bigint) as failing_rows,
        example as detail
    from source_id_findings
    {%- endif %}

)

select * from findings
where failing_rows is null or failing_rows > 0
{%- endmacro %}
