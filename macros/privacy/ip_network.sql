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
    {#-
        Athena (engine 3, Trino) has no function that truncates an address to its
        network: ip_prefix() is Presto's, and Trino's IP functions stop at
        contains(). So the address is read as its 16 bytes: cast to IPADDRESS,
        which holds IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), exactly the
        addresses privacy/network.py treats as IPv4, then to VARBINARY, in hex.
        A mapped address gives its first three octets and '.0/24'; any other its
        first three 16-bit groups without leading zeros and '::/48', trailing
        zero groups dropped as RFC 5952 (and Python's ipaddress) print a /48.
    -#}
    {%- set hex -%}
        lower(to_hex(cast(cast({{ ip }} as ipaddress) as varbinary)))
    {%- endset -%}
    {%- set octets = [] -%}
    {%- for position in [25, 27, 29] -%}
        {%- do octets.append("cast(from_base(substr(" ~ hex ~ ", " ~ position ~ ", 2), 16) as varchar)") -%}
    {%- endfor -%}
    {%- set groups = [] -%}
    {%- for position in [1, 5, 9] -%}
        {%- do groups.append(
            "coalesce(nullif(regexp_replace(substr(" ~ hex ~ ", " ~ position ~ ", 4), '^0+', ''), ''), '0')"
        ) -%}
    {%- endfor -%}
    case
        when {{ ip }} is null then null
        when substr({{ hex }}, 1, 24) = '00000000000000000000ffff'
            then {{ octets | join(" || '.' || ") }} || '.0/24'
        when {{ groups[2] }} != '0' then {{ groups | join(" || ':' || ") }} || '::/48'
        when {{ groups[1] }} != '0' then {{ groups[0] }} || ':' || {{ groups[1] }} || '::/48'
        when {{ groups[0] }} != '0' then {{ groups[0] }} || '::/48'
        else '::/48'
    end
{%- endmacro %}

{% macro trino__ip_network(ip) -%}
    {{ return(athena__ip_network(ip)) }}
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
