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
        'sha256_hex',
        'empty text',
        {{ sha256_hex("''") }},
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    union all
    select
        'pseudonymise',
        'RFC 4231 test case 2',
        {{ adapter.dispatch("pseudonymise", "innerverse")("'what do ya want for nothing?'", "Jefe") }},
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'
    union all
    select
        'pseudonymise',
        'a 64-character pepper and non-ASCII text',
        {{ adapter.dispatch("pseudonymise", "innerverse")(
            "'é ü 日本'", "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
        ) }},
        '72e9b68a15e5cfac304ca11d0c227cc5f360e39b38f0fec2f40594ad581488ee'

    -- dates: a UTC timestamp one microsecond before midnight stays on its day
    union all
    select
        'date_text',
        'last microsecond of a day',
        {{ date_text("timestamp '2026-05-01 23:59:59.999999'") }},
        '2026-05-01'
    union all
    select
        'to_date',
        'last microsecond of a day',
        cast({{ to_date("timestamp '2026-05-01 23:59:59.999999'") }} as varchar),
        '2026-05-01'
    union all
    select
        'as_timestamp',
        'keeps microseconds (Athena: timestamp(6), not timestamp(3))',
        case
            when
                {{ as_timestamp("timestamp '2026-05-01 12:00:00.123456'") }}
                = timestamp '2026-05-01 12:00:00.123456'
                then 'kept'
            else 'truncated'
        end,
        'kept'

    -- arithmetic: integer operands still give a fraction; exact decimal cost
    union all
    select
        'divide',
        '7 / 2 (integer division would give 3)',
        cast({{ divide("7", "2") }} as varchar),
        cast(cast(3.5 as double) as varchar)
    union all
    select
        'divide',
        'by zero is null',
        coalesce(cast({{ divide("1", "0") }} as varchar), 'null'),
        'null'
    union all
    select
        'usd_for_tokens',
        '7 tokens at 0.80 USD per million',
        case
            when {{ usd_for_tokens("7", "0.8") }} = cast(0.0000056 as decimal(20, 10)) then 'exact'
            else 'inexact'
        end,
        'exact'

    -- regular expressions: a search, anchored only when the pattern says so
    union all
    select
        'regex_matches',
        'unanchored pattern matches inside the text',
        case when {{ regex_matches("'POST /invoke'", "'invoke'") }} then 'match' else 'no match' end,
        'match'
    union all
    select
        'regex_matches',
        'anchored pattern does not',
        case when {{ regex_matches("'POST /invoke'", "'^/invoke'") }} then 'match' else 'no match' end,
        'no match'
    union all
    select
        'regex_matches',
        'character class and repetition',
        case
            when {{ regex_matches("'v1.20'", "'^v[0-9]+[.][0-9]{2}$'") }} then 'match'
            else 'no match'
        end,
        'match'

    -- percentiles of 1..100: exact values 50.5, 90.1, 99.01; Athena's estimate is
    -- within one rank of them
    union all
    select
        'percentile',
        'p50, p90 and p99 of 1..100 within one rank',
        case
            when
                abs({{ percentile("n", 0.5) }} - 50.5) <= 1
                and abs({{ percentile("n", 0.9) }} - 90.1) <= 1
                and abs({{ percentile("n", 0.99) }} - 99.01) <= 1
                then 'within'
            else 'outside'
        end,
        'within'
    from one_to_hundred

)

select *
from cases
where actual is null or actual != expected
