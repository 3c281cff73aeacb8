{#
    macro_case_results(seed, over): the cases of the seed macro_cases
    (seeds/macro_cases.csv), each macro called with its row's arguments, as a union of
    one select per case: macro_name, case_name, actual and expected (as text) and
    passed. The body of data-tests/macros/assert_macros_give_known_outputs.sql, which
    defines `over`, the relation a case of an aggregate macro reads (its column `n`).

    The rows come from the seed as built, or from the var `macro_cases` where there
    is no warehouse to read them from (the offline Athena compile,
    sage/checks/athena_offline.py). Nothing is read while dbt parses: no case then.
#}
{% macro macro_case_results(seed, over) -%}
    {%- set cases = var("macro_cases", []) if execute else [] -%}
    {%- if not cases and execute -%}
        {%- if adapter.get_relation(seed.database, seed.schema, seed.identifier) -%}
            {%- set cases = run_query("select * from " ~ seed).rows -%}
        {%- endif -%}
    {%- endif %}
    select
        cast(null as varchar) as macro_name,
        cast(null as varchar) as case_name,
        cast(null as varchar) as actual,
        cast(null as varchar) as expected,
        true as passed
    where false
    {%- for case in cases %}
    {%- if case.macro_name not in context or case.over not in [none, over] %}
        {{ exceptions.raise_compiler_error(
            "macro_cases: no macro " ~ case.macro_name ~ " or no relation " ~ case.over
        ) }}
    {%- endif %}
    {%- set call = context[case.macro_name](
        *fromjson(case.arguments), **fromjson(case.keyword_arguments or "{}")
    ) %}
    {%- if case.compared_as == "rendered text" %}
    {%- set actual = "'" ~ call | replace("'", "''") ~ "'" %}
    {%- else %}
    {%- set actual = "(select " ~ call ~ " from " ~ case.over ~ ")" if case.over else call %}
    {%- endif %}
    {%- set expected = "null" if case.expected is none
        else "'" ~ case.expected | replace("'", "''") ~ "'" %}
    {%- set type = "varchar" if case.compared_as in [none, "rendered text"]
        else case.compared_as %}

    union all

    select
        '{{ case.macro_name }}' as macro_name,
        '{{ case.case_name | replace("'", "''") }}' as case_name,
        cast({{ actual }} as varchar) as actual,
        {{ expected }} as expected,
        {%- if case.tolerance is not none %}
        abs(cast({{ actual }} as double) - cast({{ expected }} as double))
        <= cast('{{ case.tolerance }}' as double) as passed
        {%- else %}
        cast({{ actual }} as {{ type }})
        is not distinct from cast({{ expected }} as {{ type }}) as passed
        {%- endif %}
    {%- endfor %}
{%- endmacro %}
