{#
    Keyed pseudonyms: HMAC-SHA256(key = SAGE_PEPPER, message = source id), as
    64 lowercase hex characters. privacy/pseudonym.py computes the same thing in
    Python; tests/test_pseudonym.py checks that the two agree on DuckDB.
#}

{% macro pepper() -%}
    {%- set value = env_var("SAGE_PEPPER", "") -%}
    {%- if not value and env_var("SAGE_DEMO", "") == "1" -%}
        {#- Public on purpose, and only for the generated sample data. -#}
        {%- set value = "DEMO-PEPPER-NOT-SECRET-sample-data-only" -%}
    {%- endif -%}
    {%- if not value -%}
        {{ exceptions.raise_compiler_error(
            "SAGE_PEPPER is not set. Ids are pseudonymised with a secret key: export "
            ~ "SAGE_PEPPER=$(openssl rand -hex 32) from your secret store, or SAGE_DEMO=1 "
            ~ "to use the public demo pepper with sample data."
        ) }}
    {%- endif -%}
    {%- if not modules.re.fullmatch("[A-Za-z0-9_-]{32,64}", value) -%}
        {{ exceptions.raise_compiler_error(
            "SAGE_PEPPER must be 32 to 64 characters of A-Z a-z 0-9 _ - "
            ~ "(for example the output of `openssl rand -hex 32`)"
        ) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#-
    pseudonymise(source_id, key=none): the keyed pseudonym of a SQL text
    expression. The key is the pepper; passing one is for tests with known
    vectors (data-tests/macros/) only.
-#}
{% macro pseudonymise(source_id, key=none) -%}
    {%- set key = key if key is not none else pepper() -%}
    {{ return(adapter.dispatch("pseudonymise", "innerverse")(source_id, key)) }}
{%- endmacro %}

{% macro default__pseudonymise(source_id, key) -%}
    {{ exceptions.raise_compiler_error(
        "pseudonymise() has no HMAC-SHA256 implementation for the " ~ adapter.type()
        ~ " adapter; add an " ~ adapter.type() ~ "__pseudonymise macro"
    ) }}
{%- endmacro %}

{% macro duckdb__pseudonymise(source_id, key) -%}
    {#-
        DuckDB has sha256() but no HMAC, so HMAC is spelled out (RFC 2104):
        H((K xor opad) || H((K xor ipad) || message)), with K the pepper padded
        with zero bytes to SHA-256's 64-byte block. XOR is done on BIT strings,
        which DuckDB casts to and from BLOB byte for byte. encode() turns text
        into UTF-8 bytes without interpreting backslash escapes.
    -#}
    {%- set padded_key -%}
        (encode('{{ key }}') || unhex('{{ "00" * (64 - key | length) }}'))::bit
    {%- endset -%}
    sha256(
        xor({{ padded_key }}, unhex(repeat('5c', 64))::bit)::blob
        || unhex(sha256(
            xor({{ padded_key }}, unhex(repeat('36', 64))::bit)::blob
            || encode({{ source_id }})
        ))
    )
{%- endmacro %}

{% macro athena__pseudonymise(source_id, key) -%}
    {#- Trino has HMAC built in; to_hex() is upper case, the lake's ids are lower. -#}
    lower(to_hex(hmac_sha256(to_utf8({{ source_id }}), to_utf8('{{ key }}'))))
{%- endmacro %}

{% macro trino__pseudonymise(source_id, key) -%}
    {{ return(athena__pseudonymise(source_id, key)) }}
{%- endmacro %}


{#- The pseudonym of a raw id (as the app's own tables hold it): key its SHA-256. -#}
{% macro pseudonymise_raw(raw_id) -%}
    {{ pseudonymise(sha256_hex(raw_id)) }}
{%- endmacro %}


{% macro sha256_hex(text) -%}
    {{ return(adapter.dispatch("sha256_hex", "innerverse")(text)) }}
{%- endmacro %}

{% macro default__sha256_hex(text) -%}
    lower(to_hex(sha256(to_utf8({{ text }}))))
{%- endmacro %}

{% macro duckdb__sha256_hex(text) -%}
    {#- DuckDB's sha256() already returns lower-case hex of the UTF-8 bytes. -#}
    sha256({{ text }})
{%- endmacro %}


{#-
    pseudonym_map(relation, id_column): each distinct id of `relation` with its
    keyed pseudonym, as a subquery to join on. An id repeats on every turn of a
    user or a conversation; keying each distinct id once costs an eighth of the
    hashing, or less, and the join is cheap.
-#}
{% macro pseudonym_map(relation, id_column) -%}
    (
        select
            {{ id_column }} as source_id,
            {{ pseudonymise(id_column) }} as pseudonym
        from (
            select distinct {{ id_column }}
            from {{ relation }}
            where {{ id_column }} is not null
        ) as distinct_ids
    )
{%- endmacro %}
