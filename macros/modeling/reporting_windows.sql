{#
    reporting_windows(relation, date_column): the periods every windowed panel
    is reported over, one row each (window_name, window_start_date,
    window_end_date), from the dates present in `relation`:

    - 'all time': first to last date;
    - 'last 30 days': the 30 days ending on the last date (the latest data, not
      the clock, so a rebuild gives the same numbers);
    - one row per calendar month, named 'YYYY-MM'.
#}
{% macro reporting_windows(relation, date_column) -%}
    with

    bounds as (

        select
            min({{ date_column }}) as first_date,
            max({{ date_column }}) as last_date
        from {{ relation }}

    ),

    months as (

        select distinct {{ period_start('month', date_column) }} as month_start
        from {{ relation }}

    )

    select
        'all time' as window_name,
        first_date as window_start_date,
        last_date as window_end_date
    from bounds
    where first_date is not null

    union all

    select
        'last 30 days' as window_name,
        {{ add_days('last_date', -29) }} as window_start_date,
        last_date as window_end_date
    from bounds
    where last_date is not null

    union all

    select
        substr({{ date_text('month_start') }}, 1, 7) as window_name,
        month_start as window_start_date,
        {{ add_days(dbt.dateadd('month', 1, 'month_start'), -1) }} as window_end_date
    from months
{%- endmacro %}
