-- The cross-engine macros on known inputs. Each row of the seed macro_cases
-- (seeds/macro_cases.csv) names a macro, its arguments and the answer it must give;
-- macro_case_results() (macros/tests/macro_cases.sql) calls each macro with them on
-- whichever engine the target is, in every `dbt build`, so both variants of each
-- macro answer the same questions. Returns one row per case whose answer is wrong,
-- and one if the seed holds no case.
--
-- Where the engines differ on purpose the case states what the project relies on:
-- percentiles are exact on DuckDB and approximate on Athena, so they are checked
-- within a tolerance both meet (the rank error of approx_percentile).

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

results as (

    {{ macro_case_results(ref("macro_cases"), "one_to_hundred") }}

),

seeded as (

    select count(*) as cases
    from {{ ref("macro_cases") }}

)

select
    results.macro_name,
    results.case_name,
    results.actual,
    results.expected
from results
where coalesce(results.passed, false) = false

union all

select
    'macro_cases' as macro_name,
    'the seed holds no case' as case_name,
    cast(null as varchar) as actual,
    cast(null as varchar) as expected
from seeded
where seeded.cases = 0
