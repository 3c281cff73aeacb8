{#
    The PII guard's rules in SQL, over the rows of every Silver or Gold table
    the allow-list (privacy_allowlist(), macros/privacy/allowlist.sql) declares:
    the same rules `sage guard` runs with Great Expectations on a sample.

    privacy_findings(layer) and privacy_source_id_findings(layers) are the bodies
    of the singular tests in data-tests/privacy/: one row per broken rule, with
    table, column, rule, the number of rows that break it and a masked example
    (first character and the length: never the value). No rows: clean.

    - allowlist: a built column the allow-list does not declare, or a declared
      column that is not built; a model of the layer that is not declared
    - type: a column declared as a number, boolean, timestamp or date is not one
    - email, phone, ipv4, ipv6, uuid, hex_id, base64_id, free_text: a text value
      (or a list element) contains what the pattern describes
    - person_key (gold_publishes_no_person): a Gold table has a key or an
      open-vocabulary column, or declares a grain unique per person
    - format: a pseudonym, event id or network does not have its exact form
    - source_id: a pseudonym equals an id as Bronze holds it (the app's unkeyed
      sha256); Silver and Gold in one test, so the raw files behind Bronze are
      read once, and each Bronze relation once for all its id columns

    In `dbt build`, the rows of a table with `built_at` are the ones this build
    wrote (macros/tests/rows_this_build_wrote.sql); elsewhere every row.
    The pattern rules run over each column's distinct values, weighted by how
    many rows hold them (a model id repeated on ten million turns is matched
    once); the format rules run over the rows, one scan per table for all its
    columns; the source-id rule is one join of every pseudonym column with
    Bronze's ids.
#}

{#- Does `text` break the rule `pattern`: an expression (not SQL) found anywhere in
    it, or, for a rule written as {run, with_all}, a run found in it that matches
    each of `with_all`? -#}
{% macro regex_contains(text, pattern) -%}
    {%- if pattern is mapping -%}
        {{ run_with_all(text, pattern["run"], pattern.get("with_all", [])) }}
    {%- else -%}
        {{ regex_matches(text, privacy_sql_string(pattern)) }}
    {%- endif -%}
{%- endmacro %}


{#- Is a match of `run` in `text` that also matches every expression of `with_all`? -#}
{% macro run_with_all(text, run, with_all) -%}
    {{ return(adapter.dispatch("run_with_all", "innerverse")(text, run, with_all)) }}
{%- endmacro %}

{% macro default__run_with_all(text, run, with_all) -%}
    {#- Trino: any_match over the array regexp_extract_all returns. -#}
    any_match(
        regexp_extract_all({{ text }}, {{ privacy_sql_string(run) }}),
        found -> {% for required in with_all %}{{ regex_matches("found", privacy_sql_string(required)) }}{{ " and " if not loop.last }}{% endfor %}
    )
{%- endmacro %}

{% macro duckdb__run_with_all(text, run, with_all) -%}
    {#- DuckDB: keep the runs that match, and count them. -#}
    len(list_filter(
        regexp_extract_all({{ text }}, {{ privacy_sql_string(run) }}),
        found -> {% for required in with_all %}{{ regex_matches("found", privacy_sql_string(required)) }}{{ " and " if not loop.last }}{% endfor %}
    )) > 0
{%- endmacro %}


{#- Does any element of the list `values` break the rule `pattern`? -#}
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
    {#- ref() every declared table at parse time, so dbt runs this test after them. -#}
    {%- set relations = {} -%}
    {%- for name in tables | sort -%}
        {%- do relations.update({name: ref(layer ~ "_" ~ name)}) -%}
    {%- endfor -%}

    {%- set static = [] -%}      {#- (table, column, rule, detail): found without reading rows -#}
    {%- set scans = [] -%}       {#- (cte, label, relation, [(column, rule, predicate, shown, rows)]) -#}
    {%- set value_sets = [] -%}  {#- (cte, relation, column): a column's distinct values and their rows -#}

    {%- if execute -%}
        {%- set types = declared["types"] -%}
        {%- set kinds = declared["kinds"] -%}
        {%- for name in tables | sort -%}
            {%- set label = layer ~ "." ~ name -%}
            {%- set relation = relations[name] -%}
            {%- set allowed = tables[name]["columns"] -%}
            {%- set built = privacy_built_columns(relation) -%}
            {%- if layer == "gold" -%}
                {#- Gold publishes no person: a key of a restricted table has no place in it -#}
                {%- for column in built | sort if column in privacy_key_columns(declared) or column.endswith("_key") -%}
                    {%- do static.append((label, column, "person_key", "a key of a restricted table: Gold holds aggregates only")) -%}
                {%- endfor -%}
            {%- endif -%}
            {%- for column in allowed | sort if column not in built -%}
                {%- do static.append((label, column, "allowlist", "declared in the allow-list but not built")) -%}
            {%- endfor -%}
            {%- set checks = [] -%}  {#- format rules, over the rows -#}
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
                {%- set values = name ~ "__" ~ column ~ "__values" -%}
                {%- set value_checks = [] -%}  {#- pattern rules, over the distinct values -#}
                {%- if family == "text" -%}
                    {%- for rule in rules.get("forbid", []) -%}
                        {%- do value_checks.append((column, rule, regex_contains("value", declared["patterns"][rule]), "value", "occurrences")) -%}
                    {%- endfor -%}
                    {%- if rules.get("format") -%}
                        {%- do checks.append((column, "format", column ~ " is not null and not " ~ regex_full_match(column, privacy_sql_string(rules["format"])), column, "1")) -%}
                    {%- endif -%}
                {%- elif family == "list" -%}
                    {%- for rule in rules.get("forbid", []) -%}
                        {%- do value_checks.append((column, rule, list_any_contains("value", declared["patterns"][rule]), list_as_text("value"), "occurrences")) -%}
                    {%- endfor -%}
                {%- endif -%}
                {%- if value_checks -%}
                    {%- do value_sets.append((values, rows_this_build_wrote(relation), column)) -%}
                    {%- do scans.append((values ~ "_scan", label, values, value_checks)) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if checks -%}
                {%- do scans.append((name ~ "__scan", label, rows_this_build_wrote(relation), checks)) -%}
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

{% for cte, relation, column in value_sets -%}
{{ cte }} as (

    select
        {{ column }} as value,
        count(*) as occurrences
    from {{ relation }} as scanned
    where {{ column }} is not null
    group by {{ column }}

),

{% endfor -%}
{% for cte, label, relation, checks in scans -%}
{{ cte }} as (

    select
        {%- for column, rule, predicate, shown, rows in checks %}
        coalesce(sum(case when {{ predicate }} then {{ rows }} else 0 end), 0)
            as failing_{{ loop.index }},
        min(case when {{ predicate }} then {{ privacy_masked(shown) }} end) as example_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }} as scanned

),

{% endfor -%}
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
    {#- Each scan is read once, its checks turned into rows by a join with their
        list: Trino (Athena's engine) plans every reading of a CTE anew, and one
        reading per check took over 500 stages, past its limit of 150. -#}
    {%- for cte, label, relation, checks in scans %}
    union all
    select
        '{{ label }}' as table_name,
        checks.column_name,
        checks.rule,
        cast(case checks.check_number
            {%- for check in checks %}
            when {{ loop.index }} then failing_{{ loop.index }}
            {%- endfor %}
        end as bigint) as failing_rows,
        case checks.check_number
            {%- for check in checks %}
            when {{ loop.index }} then example_{{ loop.index }}
            {%- endfor %}
        end as detail
    from {{ cte }}
    cross join (
        values
        {%- for column, rule, predicate, shown, rows in checks %}
            ({{ loop.index }}, '{{ column }}', '{{ rule }}'){{ "," if not loop.last }}
        {%- endfor %}
    ) as checks (check_number, column_name, rule)
    {%- endfor %}

)

select * from findings
where failing_rows is null or failing_rows > 0
{%- endmacro %}



{#- A relation's columns as {lower-case name: type}. -#}
{% macro privacy_built_columns(relation) -%}
    {%- set built = {} -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do built.update({column.name | lower: column.dtype}) -%}
    {%- endfor -%}
    {{ return(built) }}
{%- endmacro %}


{#- One row per id of a Bronze relation's id columns, read in one scan. -#}
{% macro privacy_ids_of(relation, columns) -%}
    {{ return(adapter.dispatch("privacy_ids_of", "innerverse")(relation, columns)) }}
{%- endmacro %}

{% macro default__privacy_ids_of(relation, columns) -%}
    select ids.source_id
    from {{ relation }}
    cross join unnest(array[{{ columns | join(", ") }}]) as ids (source_id)
{%- endmacro %}

{% macro duckdb__privacy_ids_of(relation, columns) -%}
    select unnest([{{ columns | join(", ") }}]) as source_id
    from {{ relation }}
{%- endmacro %}


{#-
    In `dbt build`: the first Bronze day (dt) the Silver rows this build wrote
    were built from, as 'YYYY-MM-DD' (the latest possible date when it wrote
    none); none in any other command (every Bronze day). An incremental build
    reads Bronze from its look-back window on, so a row it wrote can only hold
    an id of those days.
-#}
{% macro privacy_build_window(declared) -%}
    {%- if not execute or flags.WHICH != "build" -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set firsts = [] -%}
    {%- for name, spec in declared["tables"]["silver"].items() | sort if spec.get("incremental_by") -%}
        {%- set relation = ref("silver_" ~ name) -%}
        {%- set filter = build_filter(relation) -%}
        {%- if filter is none -%}
            {#- a table that cannot say which rows this build wrote: every Bronze day -#}
            {{ return(none) }}
        {%- endif -%}
        {%- do firsts.append(
            "select min(" ~ to_date(spec["incremental_by"]) ~ ") as first_date from "
            ~ relation ~ " where " ~ filter
        ) -%}
    {%- endfor -%}
    {%- set result = run_query("select min(first_date) from (" ~ firsts | join(" union all ") ~ ") as written") -%}
    {%- set first = result.columns[0].values()[0] -%}
    {{ return((first | string)[:10] if first is not none else "9999-12-31") }}
{%- endmacro %}


{% macro privacy_source_id_findings(layers) -%}
    {%- set declared = privacy_allowlist() -%}
    {#- ref() every declared table of the layers and every Bronze relation with
        source ids at parse time, so dbt runs this test after them. -#}
    {%- set relations = [] -%}
    {%- for layer in layers -%}
        {%- for name in declared["tables"][layer] | sort -%}
            {%- do relations.append((layer ~ "." ~ name, declared["tables"][layer][name]["columns"], ref(layer ~ "_" ~ name))) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set bronze_models = {} -%}
    {%- for model_name in declared["bronze_source_ids"] | sort -%}
        {%- do bronze_models.update({model_name: ref(model_name)}) -%}
    {%- endfor -%}

    {%- set bronze = [] -%}
    {%- set pseudonyms = [] -%}  {#- (table, relation, column) -#}
    {%- set static = [] -%}      {#- (table, detail) -#}
    {%- if execute -%}
        {%- set since = privacy_build_window(declared) -%}
        {%- for model_name, relation in bronze_models.items() -%}
            {%- set ids = privacy_ids_of(relation, declared["bronze_source_ids"][model_name]) -%}
            {%- do bronze.append(ids ~ (" where partition_date >= '" ~ since ~ "'" if since else "")) -%}
        {%- endfor -%}
        {#- Gold is built from Silver alone, so its pseudonyms are Silver's: a Gold
            model that read Bronze could carry an id no Silver row was checked for. -#}
        {%- for node in graph.nodes.values() | sort(attribute="name")
              if node.resource_type == "model" and node.config.schema == "gold" -%}
            {%- for parent in node.depends_on.nodes
                  if parent.startswith("source.") or graph.nodes.get(parent, {}).get("config", {}).get("schema") == "bronze" -%}
                {%- do static.append(("gold." ~ node.alias, "model " ~ node.name ~ " reads Bronze (" ~ parent.split(".")[-1] ~ "); Gold reads Silver only")) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set kinds = declared["kinds"] -%}
        {%- for label, allowed, relation in relations -%}
            {%- set built = privacy_built_columns(relation) -%}
            {%- for column in built | sort -%}
                {%- set kind_name = allowed.get(column) -%}
                {%- if kind_name is not none and kinds[kind_name].get("not_a_source_id")
                      and privacy_type_family(built[column], declared["types"]) == "text" -%}
                    {%- do pseudonyms.append((label, rows_this_build_wrote(relation), column)) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif %}

with

bronze_source_ids as (

    select distinct source_id
    from (
        {{ bronze | join("\n        union all\n        ") }}
    ) as ids
    where source_id is not null

),

pseudonyms as (

    select
        cast(null as varchar) as table_name,
        cast(null as varchar) as column_name,
        cast(null as varchar) as value
    where 1 = 0
    {%- for label, relation, column in pseudonyms %}
    union all
    select '{{ label }}' as table_name, '{{ column }}' as column_name, {{ column }} as value
    from {{ relation }} as scanned
    {%- endfor %}

),

findings as (

    {#- one join for every pseudonym column: Bronze's ids are read once -#}
    select
        pseudonyms.table_name,
        pseudonyms.column_name,
        'source_id' as rule,
        count(*) as failing_rows,
        min({{ privacy_masked("pseudonyms.value") }}) as detail
    from pseudonyms
    inner join bronze_source_ids
        on pseudonyms.value = bronze_source_ids.source_id
    group by pseudonyms.table_name, pseudonyms.column_name
    {%- for label, detail in static %}
    union all
    select
        '{{ label }}' as table_name,
        null as column_name,
        'source_id' as rule,
        null as failing_rows,
        {{ privacy_sql_string(detail) }} as detail
    {%- endfor %}

)

select * from findings
{%- endmacro %}


{#-
    gold_person_findings(): Gold publishes no person. From the project's own
    declarations (no rows read), one row per Gold model that

    - has a column that is a key of a restricted table (user_key, conversation_key,
      event_id, client_network...; the allow-list's `key` kinds) or ends in `_key`;
    - is declared in the allow-list with a key or an open-vocabulary kind;
    - declares a grain unique per person: a `unique` or `unique_combination` test
      over such a column.
-#}
{% macro gold_person_findings() -%}
    {%- set declared = privacy_allowlist() -%}
    {%- set kinds = declared["kinds"] -%}
    {%- set keys = privacy_key_columns(declared) -%}
    {%- set findings = [] -%}  {#- (table, column, detail) -#}
    {%- if execute -%}
        {%- set gold = declared["tables"]["gold"] -%}
        {%- set models = {} -%}
        {%- for node in graph.nodes.values() | sort(attribute="name")
              if node.resource_type == "model" and node.config.schema == "gold" -%}
            {%- do models.update({node.unique_id: node}) -%}
            {%- set label = "gold." ~ node.alias -%}
            {%- set columns = (node.columns.keys() | list) + (gold.get(node.alias, {}).get("columns", {}).keys() | list) -%}
            {%- for column in columns | map("lower") | unique | sort -%}
                {%- set kind = gold.get(node.alias, {}).get("columns", {}).get(column) -%}
                {%- if column in keys or column.endswith("_key") -%}
                    {%- do findings.append((label, column, "a key of a restricted table: Gold holds no person's or event's key")) -%}
                {%- elif kind is not none and (kinds[kind].get("key") or kinds[kind].get("restricted")) -%}
                    {%- do findings.append((label, column, "declared " ~ kind ~ " in the allow-list, which Gold never publishes")) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for node in graph.nodes.values() | sort(attribute="unique_id")
              if node.resource_type == "test" and node.test_metadata is not none
              and node.attached_node in models -%}
            {%- set kwargs = node.test_metadata.kwargs -%}
            {%- if node.test_metadata.name == "unique" -%}
                {%- set unique_over = [kwargs.get("column_name")] -%}
            {%- elif node.test_metadata.name == "unique_combination" -%}
                {%- set unique_over = kwargs.get("columns") or [] -%}
            {%- else -%}
                {%- set unique_over = [] -%}
            {%- endif -%}
            {%- for column in unique_over if column and ((column | lower) in keys or (column | lower).endswith("_key")) -%}
                {%- do findings.append(("gold." ~ models[node.attached_node].alias, column | lower, "grain unique per person (" ~ node.test_metadata.name ~ " over " ~ unique_over | join(", ") ~ ")")) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif %}

with

findings as (

    select
        cast(null as varchar) as table_name,
        cast(null as varchar) as column_name,
        cast(null as varchar) as rule,
        cast(null as bigint) as failing_rows,
        cast(null as varchar) as detail
    where 1 = 0
    {%- for label, column, detail in findings %}
    union all
    select
        '{{ label }}' as table_name,
        '{{ column }}' as column_name,
        'person_key' as rule,
        null as failing_rows,
        {{ privacy_sql_string(detail) }} as detail
    {%- endfor %}

)

select * from findings
{%- endmacro %}


{#- The names of the columns any restricted table (Silver, private) declares with a
    key kind: user_key, conversation_key, event_id, client_network... -#}
{% macro privacy_key_columns(declared) -%}
    {%- set keys = [] -%}
    {%- for layer in ["silver", "private"] -%}
        {%- for table in declared["tables"][layer].values() -%}
            {%- for column, kind in table["columns"].items()
                  if declared["kinds"][kind].get("key") and column not in keys -%}
                {%- do keys.append(column) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(keys) }}
{%- endmacro %}
