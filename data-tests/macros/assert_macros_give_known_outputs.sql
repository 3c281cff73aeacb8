-- The cross-engine macros on known inputs. Runs in every `dbt build`, on
-- whichever engine the target is, so both variants of each macro answer the same
-- questions; returns one row per case whose answer is wrong.
--
-- Where the engines differ on purpose the case states what the project relies on:
-- percentiles are exact on DuckDB and approximate on Athena, so they are checked
-- against a bound both meet (the rank error of approx_percentile).

with

one_to_hundred as (

    select numbers.n
    from (
        values
        {%- for n in range(1, 101) %}
            ({{ n }}){{ "," if not loop.last }}
        {%- endfor %}
    ) as numbers (n)

),

cases as (

    -- hashing: FIPS 180-2 and RFC 4231 test vectors, and a 64-character key
    select
        'sha256_hex' as macro_name,
        'abc' as case_name,
        {{ sha256_hex("'abc'") }} as actual,
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' as expected

    union all

    select
        'sha256_hex' as macro_name,
        'empty text' as case_name,
        {{ sha256_hex("''") }} as actual,
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' as expected

    union all

    select
        'pseudonymise' as macro_name,
        'RFC 4231 test case 2' as case_name,
        {{ pseudonymise("'what do ya want for nothing?'", key="Jefe") }} as actual,
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' as expected

    union all

    select
        'pseudonymise' as macro_name,
        'a 64-character pepper and non-ASCII text' as case_name,
        {{ pseudonymise(
            "'é ü 日本'",
            key="a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
        ) }} as actual,
        '72e9b68a15e5cfac304ca11d0c227cc5f360e39b38f0fec2f40594ad581488ee' as expected

    -- dates: a UTC timestamp one microsecond before midnight stays on its day
    union all

    select
        'date_text' as macro_name,
        'last microsecond of a day' as case_name,
        {{ date_text("timestamp '2026-05-01 23:59:59.999999'") }} as actual,
        '2026-05-01' as expected

    union all

    select
        'to_date' as macro_name,
        'last microsecond of a day' as case_name,
        cast({{ to_date("timestamp '2026-05-01 23:59:59.999999'") }} as varchar) as actual,
        '2026-05-01' as expected

    union all

    select
        'as_timestamp' as macro_name,
        'keeps microseconds (Athena: timestamp(6), not timestamp(3))' as case_name,
        case
            when
                {{ as_timestamp("timestamp '2026-05-01 12:00:00.123456'") }}
                = timestamp '2026-05-01 12:00:00.123456'
                then 'kept'
            else 'truncated'
        end as actual,
        'kept' as expected

    -- arithmetic: integer operands still give a fraction; exact decimal cost
    union all

    select
        'divide' as macro_name,
        '7 / 2 (integer division would give 3)' as case_name,
        cast({{ divide("7", "2") }} as varchar) as actual,
        cast(cast(3.5 as double) as varchar) as expected

    union all

    select
        'divide' as macro_name,
        'by zero is null' as case_name,
        coalesce(cast({{ divide("1", "0") }} as varchar), 'null') as actual,
        'null' as expected

    union all

    select
        'usd_for_tokens' as macro_name,
        '7 tokens at 0.80 USD per million' as case_name,
        case
            when {{ usd_for_tokens("7", "0.8") }} = cast(0.0000056 as decimal(20, 10))
                then 'exact'
            else 'inexact'
        end as actual,
        'exact' as expected

    -- IP truncation before Silver: IPv4 /24 (also written IPv4-mapped), IPv6 /48 as RFC 5952
    union all

    select
        'ip_network' as macro_name,
        '203.0.113.7' as case_name,
        {{ ip_network("'203.0.113.7'") }} as actual,
        '203.0.113.0/24' as expected

    union all

    select
        'ip_network' as macro_name,
        '::ffff:203.0.113.7' as case_name,
        {{ ip_network("'::ffff:203.0.113.7'") }} as actual,
        '203.0.113.0/24' as expected

    union all

    select
        'ip_network' as macro_name,
        '2001:db8:85a3::8a2e:370:7334' as case_name,
        {{ ip_network("'2001:db8:85a3::8a2e:370:7334'") }} as actual,
        '2001:db8:85a3::/48' as expected

    union all

    select
        'ip_network' as macro_name,
        '2001:0:0:1::1' as case_name,
        {{ ip_network("'2001:0:0:1::1'") }} as actual,
        '2001::/48' as expected

    union all

    select
        'ip_network' as macro_name,
        '0:0:5::1' as case_name,
        {{ ip_network("'0:0:5::1'") }} as actual,
        '0:0:5::/48' as expected

    -- request paths: id segments (UUID, number, hex, base64, email) become {id}
    union all

    select
        'url_path_template' as macro_name,
        'uuid and number segments' as case_name,
        {{ url_path_template(
            "'/api/conversations/6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f/turns/12'"
        ) }} as actual,
        '/api/conversations/{id}/turns/{id}' as expected

    union all

    select
        'url_path_template' as macro_name,
        'hashed ids in hex and base64url, an email, words kept' as case_name,
        {{ url_path_template(
            "'/u/4f9c2a1b7d3e8f60/p/q1w2E3r4T5y6U7i8O9p0aSdFgHjKlZxCvBnM1234567/"
            ~ "jane.doe@example.com/invoke-stream/avatar-0123456789abcdef.png'"
        ) }} as actual,
        '/u/{id}/p/{id}/{id}/invoke-stream/avatar-{id}.png' as expected

    -- a rule of a run and the expressions it must also match (the guard's base64_id)
    union all

    select
        'run_with_all' as macro_name,
        'a run mixing cases and digits, and one that does not' as case_name,
        cast({{ run_with_all(
            "'id T2sxZ3h6Q3ZiTm0xMjM0NTY3OA'", '[A-Za-z0-9+/_-]{22,}', ['[A-Z]', '[a-z]', '[0-9]']
        ) }} as varchar) || ' ' || cast({{ run_with_all(
            "'ServiceUnavailableException'", '[A-Za-z0-9+/_-]{22,}', ['[A-Z]', '[a-z]', '[0-9]']
        ) }} as varchar) as actual,
        'true false' as expected

    -- ISO weekday: Monday 1 .. Sunday 7 on both engines
    union all

    select
        'iso_day_of_week' as macro_name,
        'Sunday 2026-11-22 and Monday 2026-11-23' as case_name,
        cast({{ iso_day_of_week("date '2026-11-22'") }} as varchar)
        || cast({{ iso_day_of_week("date '2026-11-23'") }} as varchar) as actual,
        '71' as expected

    -- regular expressions: a search, anchored only when the pattern says so
    union all

    select
        'regex_matches' as macro_name,
        'unanchored pattern matches inside the text' as case_name,
        case
            when {{ regex_matches("'POST /invoke'", "'invoke'") }} then 'match'
            else 'no match'
        end as actual,
        'match' as expected

    union all

    select
        'regex_matches' as macro_name,
        'anchored pattern does not' as case_name,
        case
            when {{ regex_matches("'POST /invoke'", "'^/invoke'") }} then 'match'
            else 'no match'
        end as actual,
        'no match' as expected

    union all

    select
        'regex_matches' as macro_name,
        'character class and repetition' as case_name,
        case
            when {{ regex_matches("'v1.20'", "'^v[0-9]+[.][0-9]{2}$'") }} then 'match'
            else 'no match'
        end as actual,
        'match' as expected

    union all

    select
        'regex_full_match' as macro_name,
        'the whole text matches' as case_name,
        case
            when {{ regex_full_match("'abcabc'", "'[a-c]+'") }} then 'match'
            else 'no match'
        end as actual,
        'match' as expected

    union all

    select
        'regex_full_match' as macro_name,
        'a match inside the text is not enough' as case_name,
        case
            when {{ regex_full_match("'abcd'", "'[a-c]+'") }} then 'match'
            else 'no match'
        end as actual,
        'no match' as expected

    union all

    select
        'regex_full_match' as macro_name,
        'every alternative must match whole' as case_name,
        case
            when {{ regex_full_match("'ab'", "'a|b'") }} then 'match'
            else 'no match'
        end as actual,
        'no match' as expected

    -- lists: the guard's checks of list columns (emotion labels)
    union all

    select
        'list_any_contains' as macro_name,
        'one element of three matches' as case_name,
        case
            when {{ list_any_contains("array['calm', 'a@b.example', 'joy']", '@') }} then 'match'
            else 'no match'
        end as actual,
        'match' as expected

    union all

    select
        'list_any_contains' as macro_name,
        'no element matches' as case_name,
        case
            when {{ list_any_contains("array['calm', 'joy']", '@') }} then 'match'
            else 'no match'
        end as actual,
        'no match' as expected

    union all

    select
        'list_as_text' as macro_name,
        'elements joined by commas, in order' as case_name,
        {{ list_as_text("array['calm', 'joy', 'fear']") }} as actual,
        'calm,joy,fear' as expected

    {#- the look-back's first day: computed by dbt before a model runs, the same on
        every engine, from max() of a date column as each engine returns it #}
    {% for latest, days, expected, case_name in [
        ("2026-05-09", 3, "2026-05-06", "three days before the latest built day"),
        ("2026-03-02", 3, "2026-02-27", "across the end of a month"),
        ("2028-03-01", 1, "2028-02-29", "across a leap day"),
        ("2026-05-09 00:00:00", 3, "2026-05-06", "from a date returned as a timestamp"),
        (none, 3, "1970-01-01", "nothing built yet: everything"),
    ] %}
        union all

        select
            'lookback_start_after' as macro_name,
            '{{ case_name }}' as case_name,
            '{{ lookback_start_after(latest, days) }}' as actual,
            '{{ expected }}' as expected
    {% endfor %}

    -- percentiles of 1..100: exact values 50.5, 90.1, 99.01; Athena's estimate is
    -- within one rank of them
    union all

    select
        'percentile' as macro_name,
        'p50, p90 and p99 of 1..100 within one rank' as case_name,
        case
            when
                abs({{ percentile("n", 0.5) }} - 50.5) <= 1
                and abs({{ percentile("n", 0.9) }} - 90.1) <= 1
                and abs({{ percentile("n", 0.99) }} - 99.01) <= 1
                then 'within'
            else 'outside'
        end as actual,
        'within' as expected
    from one_to_hundred

)

select *
from cases
where actual is null or actual != expected
