{#-
    report_unpriced_turns(results): an on-run-end hook. When the test
    assert_every_turn_has_a_price warned (or failed), says in words how many
    turns have no price and what share of all turns that is, model by model,
    and where the build would fail: dbt's own line for the test reads
    "Got 97 results", which counts turns but gives no share. The numbers are
    the test's stored failures (store_failures), a row per model.
-#}
{% macro report_unpriced_turns(results) -%}
    {%- if execute -%}
        {%- for result in results
            if result.node.name == "assert_every_turn_has_a_price"
            and result.status in ("warn", "fail") -%}
            {%- set rows = run_query(
                "select model_id, unpriced_turns, all_turns from "
                ~ result.node.relation_name ~ " order by unpriced_turns desc, model_id"
            ) -%}
            {%- set unpriced = rows.columns[1].values() | sum -%}
            {%- set all_turns = rows.columns[2].values() | max if rows.rows | length > 0 else 0 -%}
            {%- if all_turns -%}
                {%- set limit = var("unpriced_turns_max_ppm") | int -%}
                {%- set models = [] -%}
                {%- for row in rows.rows -%}
                    {%- do models.append(row[0] ~ " " ~ "{:,}".format(row[1] | int)) -%}
                {%- endfor -%}
                {%- do log(
                    "Unpriced turns: " ~ "{:,}".format(unpriced | int) ~ " of "
                    ~ "{:,}".format(all_turns | int) ~ " turns ("
                    ~ "{:.2%}".format(unpriced / all_turns) ~ ") have no price valid at their time "
                    ~ "and are not costed (" ~ models | join(", ") ~ "); the build fails above "
                    ~ "{:.2%}".format(limit / 1000000) ~ " (var unpriced_turns_max_ppm: "
                    ~ limit ~ " per million).",
                    info=true
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
