{#
    Erasure that holds on every build. `sage erase` records each request in the
    erasure ledger, one object per request under lake/erasure/requests/ (the lake
    source `erasure_requests`: the pseudonymous user_key and the request time,
    nothing else). Every build reads it, on both engines, like any lake table:

    - not_erased(): every Silver model that carries user_key ends with
      `where {{ not_erased('user_key') }}`, so a full refresh or a backfill never
      brings an erased user back;
    - delete_erased_users(): a post-hook on Silver and Gold that deletes the
      rows of erased users already built in an incremental table, which a merge
      of new rows would otherwise leave in place.
#}

{% macro erasure_ledger() -%}
    {{ return(source("lake", "erasure_requests")) }}
{%- endmacro %}


{#- True for a row whose user has not asked to be erased (and for rows with no user). -#}
{% macro not_erased(user_key) -%}
    ({{ user_key }} is null or {{ user_key }} not in (
        select user_key from {{ erasure_ledger() }} where user_key is not null
    ))
{%- endmacro %}


{% macro delete_erased_users() -%}
    {%- if not execute or model.config.materialized != "incremental" -%}
        {{ return("") }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute="name") | map("lower") | list -%}
    {%- if "user_key" not in columns -%}
        {{ return("") }}
    {%- endif -%}
    {%- set ledger = erasure_ledger() -%}
    {%- set requests = run_query("select count(*) from " ~ ledger ~ " where user_key is not null").columns[0].values()[0] -%}
    {%- if requests == 0 -%}
        {{ return("") }}
    {%- endif -%}
    delete from {{ this }}
    where user_key in (select user_key from {{ ledger }} where user_key is not null)
{%- endmacro %}
