{#
    Date helpers the engines spell differently.
#}

{#- A date or timestamp as 'YYYY-MM-DD' text, e.g. to compare with the lake's dt partitions. -#}
{% macro date_text(expression) -%}
    {{ return(adapter.dispatch("date_text", "innerverse")(expression)) }}
{%- endmacro %}

{% macro default__date_text(expression) -%}
    to_char({{ expression }}, 'YYYY-MM-DD')
{%- endmacro %}

{% macro duckdb__date_text(expression) -%}
    strftime({{ expression }}, '%Y-%m-%d')
{%- endmacro %}

{% macro athena__date_text(expression) -%}
    {#-
        The date first: date_format() takes a timestamp(3), so a timestamp(6) is
        rounded to milliseconds on the way in, and 23:59:59.9995 would print as
        the next day.
    -#}
    cast(cast({{ expression }} as date) as varchar)
{%- endmacro %}

{% macro trino__date_text(expression) -%}
    {{ return(athena__date_text(expression)) }}
{%- endmacro %}


{#- The calendar date (UTC) of a timestamp. -#}
{% macro to_date(expression) -%}
    cast({{ expression }} as date)
{%- endmacro %}


{#-
    lookback_start(date_column): in an incremental run, the first date to
    recompute, as 'YYYY-MM-DD': the latest date already built minus the
    `lookback_days` var, so late-arriving data for those days is merged in.
    It is computed before the model runs and inlined as a literal, so both
    engines prune the lake's dt partitions with it. (A unit test of an
    incremental branch overrides it with a date: the query of `this` cannot run
    against a unit test's fixture.)
-#}
{% macro lookback_start(date_column, lookback_days=none) -%}
    {%- set days = lookback_days if lookback_days is not none else var("lookback_days") -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(lookback_start_after(none, days)) }}
    {%- endif -%}
    {%- set result = run_query("select max(" ~ date_column ~ ") from " ~ this) -%}
    {%- set latest = result.columns[0].values()[0] if result.rows | length > 0 else none -%}
    {{ return(lookback_start_after(latest, days)) }}
{%- endmacro %}


{#-
    lookback_start_after(latest, days): the look-back's first day, 'YYYY-MM-DD',
    `days` days before `latest` (a date, or a date or timestamp as text, as an
    engine returns `max()` of a date column); '1970-01-01' (everything) when
    nothing is built yet. Checked on known dates in
    data-tests/macros/assert_macros_give_known_outputs.sql.
-#}
{% macro lookback_start_after(latest, days) -%}
    {%- if latest is none or (latest | string | trim) in ("", "None") -%}
        {{ return("1970-01-01") }}
    {%- endif -%}
    {%- set latest_date = modules.datetime.date.fromisoformat((latest | string)[:10]) -%}
    {{ return((latest_date - modules.datetime.timedelta(days=days | int)).isoformat()) }}
{%- endmacro %}


{#-
    The rows of an incremental model's look-back window (every row in a first
    build), as a select statement: a model's import CTE, or, for a model that
    reads them more than once, a Jinja variable it reads where it uses them (a
    CTE read twice is held in memory whole; macros/modeling/first_row_per.sql).

    bronze_in_lookback(bronze, date_column): Bronze's lines from the first day to
    recompute on, pruned on the lake's dt partitions; late and redelivered lines
    of those days merge in.
    rows_in_lookback(relation, column, date_column): rows of a built table whose
    date `column` is in the window of this model's `date_column`.
-#}
{% macro bronze_in_lookback(bronze, date_column) -%}
    select * from {{ bronze }}
    {%- if is_incremental() %}
    where partition_date >= '{{ lookback_start(date_column) }}'
    {%- endif %}
{%- endmacro %}

{% macro rows_in_lookback(relation, column, date_column) -%}
    select * from {{ relation }}
    {%- if is_incremental() %}
    where {{ column }} >= cast('{{ lookback_start(date_column) }}' as date)
    {%- endif %}
{%- endmacro %}


{#-
    A UTC timestamp column for Silver and Gold. Athena's (and Trino's) Iceberg
    tables store microsecond timestamps only, and the lake's JSON SerDe yields
    milliseconds (timestamp(3)), so both cast to timestamp(6); DuckDB's timestamp
    is already microseconds.
-#}
{% macro as_timestamp(expression) -%}
    {{ return(adapter.dispatch("as_timestamp", "innerverse")(expression)) }}
{%- endmacro %}

{% macro default__as_timestamp(expression) -%}
    cast({{ expression }} as timestamp)
{%- endmacro %}

{% macro athena__as_timestamp(expression) -%}
    cast({{ expression }} as timestamp(6))
{%- endmacro %}

{#- Trino's Iceberg tables are microseconds too (Athena's engine is Trino). -#}
{% macro trino__as_timestamp(expression) -%}
    {{ return(athena__as_timestamp(expression)) }}
{%- endmacro %}


{#- ISO day of the week: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_day_of_week(expression) -%}
    {{ return(adapter.dispatch("iso_day_of_week", "innerverse")(expression)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(expression) -%}
    day_of_week({{ expression }})
{%- endmacro %}

{% macro duckdb__iso_day_of_week(expression) -%}
    isodow({{ expression }})
{%- endmacro %}


{#- The first day (a date) of the week (Monday), month or quarter of a date or timestamp. -#}
{% macro period_start(period, expression) -%}
    {%- if period not in ["week", "month", "quarter"] -%}
        {{ exceptions.raise_compiler_error("period_start(): period must be week, month or quarter, not " ~ period) }}
    {%- endif -%}
    cast({{ dbt.date_trunc(period, expression) }} as date)
{%- endmacro %}


{#- `expression` (a date) plus `days` days, as a date on both engines. -#}
{% macro add_days(expression, days) -%}
    cast({{ dbt.dateadd("day", days, expression) }} as date)
{%- endmacro %}
