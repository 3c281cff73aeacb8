{#
    ip_network(ip): the network an address belongs to, as Silver keeps it:
    IPv4 truncated to its /24 ('203.0.113.0/24'), IPv6 to its /48
    ('2001:db8:85a3::/48', RFC 5952 text). An IPv4-mapped IPv6 address
    ('::ffff:203.0.113.7') counts as the IPv4 address it is. The same rule as
    privacy/network.py; tests/test_sql_macros.py compares them on thousands of
    addresses.
#}
{% macro ip_network(ip) -%}
    {{ return(adapter.dispatch("ip_network", "innerverse")(ip)) }}
{%- endmacro %}

{% macro default__ip_network(ip) -%}
    {{ exceptions.raise_compiler_error("ip_network() is not implemented for the " ~ adapter.type() ~ " adapter") }}
{%- endmacro %}

{% macro athena__ip_network(ip) -%}
    {#- Trino has an IPADDRESS type; its ip_prefix() prints the network in RFC 5952
        form and treats IPv4-mapped IPv6 as IPv4, which then takes a /24. -#}
    cast(
        ip_prefix(
            cast({{ ip }} as ipaddress),
            case when strpos({{ ip }}, '.') > 0 then 24 else 48 end
        ) as varchar
    )
{%- endmacro %}

{% macro duckdb__ip_network(ip) -%}
    {#-
        DuckDB's inet extension is not bundled with the Python package and cannot be
        downloaded here, so the address is taken apart as text: expand '::' to the
        missing zero groups, keep the first three groups without leading zeros,
        and drop trailing zero groups before '::' as RFC 5952 compression does
        for a /48 (the rest of the address is all zeros).
    -#}
    {%- set head -%}
        (case when split_part({{ ip }}, '::', 1) = '' then []::varchar[] else string_split(split_part({{ ip }}, '::', 1), ':') end)
    {%- endset -%}
    {%- set tail -%}
        (case when strpos({{ ip }}, '::') = 0 or split_part({{ ip }}, '::', 2) = '' then []::varchar[] else string_split(split_part({{ ip }}, '::', 2), ':') end)
    {%- endset -%}
    {%- set groups -%}
        (case
            when strpos({{ ip }}, '::') = 0 then string_split({{ ip }}, ':')
            else list_concat(list_concat({{ head }}, list_transform(range(8 - len({{ head }}) - len({{ tail }})), zero -> '0')), {{ tail }})
        end)
    {%- endset -%}
    {%- set group_1 %}lower(coalesce(nullif(ltrim({{ groups }}[1], '0'), ''), '0')){% endset -%}
    {%- set group_2 %}lower(coalesce(nullif(ltrim({{ groups }}[2], '0'), ''), '0')){% endset -%}
    {%- set group_3 %}lower(coalesce(nullif(ltrim({{ groups }}[3], '0'), ''), '0')){% endset -%}
    case
        when {{ ip }} is null then null
        when strpos({{ ip }}, ':') = 0 then regexp_replace({{ ip }}, '\.[0-9]+$', '.0') || '/24'
        when strpos({{ ip }}, '.') > 0 then regexp_replace(regexp_extract({{ ip }}, '[0-9.]+$'), '\.[0-9]+$', '.0') || '/24'
        when {{ group_3 }} != '0' then {{ group_1 }} || ':' || {{ group_2 }} || ':' || {{ group_3 }} || '::/48'
        when {{ group_2 }} != '0' then {{ group_1 }} || ':' || {{ group_2 }} || '::/48'
        when {{ group_1 }} != '0' then {{ group_1 }} || '::/48'
        else '::/48'
    end
{%- endmacro %}
