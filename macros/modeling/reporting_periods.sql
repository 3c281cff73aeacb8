{#
    reporting_periods(relation, date_column): the periods the per-person
    statistics are reported over, one row each, from the dates present in
    `relation`. Three kinds, never mixed in one Gold table:

    - 'calendar_month': each calendar month with data, from its first day to its
      last; `is_complete_period` once its last day is complete;
    - 'rolling_30_days': the 30 days ending on the last complete day;
    - 'all_time': the first day with data to the latest; complete when the
      latest day is.

    The last complete day is the latest day with data, unless that day is the
    build's own (UTC), still going on: then the day before. It comes from the
    data, not the clock, otherwise, so a rebuild of the same data gives the same
    numbers, and a sample of last autumn still has its last 30 days.

    Columns: period_type, period_start_date, period_end_date, is_complete_period.
#}
{% macro reporting_periods(relation, date_column) -%}
    {%- set build_date = "cast('" ~ run_started_at.strftime("%Y-%m-%d") ~ "' as date)" -%}
    with

    bounds as (

        select
            min({{ date_column }}) as first_date,
            max({{ date_column }}) as last_date,
            case
                when max({{ date_column }}) >= {{ build_date }}
                    then {{ add_days(build_date, -1) }}
                else max({{ date_column }})
            end as last_complete_date
        from {{ relation }}

    ),

    months as (

        select distinct {{ period_start('month', date_column) }} as month_start
        from {{ relation }}

    )

    select
        'calendar_month' as period_type,
        months.month_start as period_start_date,
        {{ add_days(dbt.dateadd('month', 1, 'months.month_start'), -1) }} as period_end_date,
        {{ add_days(dbt.dateadd('month', 1, 'months.month_start'), -1) }}
        <= bounds.last_complete_date as is_complete_period
    from months
    cross join bounds

    union all

    select
        'rolling_30_days' as period_type,
        {{ add_days('last_complete_date', -29) }} as period_start_date,
        last_complete_date as period_end_date,
        true as is_complete_period
    from bounds
    where last_complete_date is not null

    union all

    select
        'all_time' as period_type,
        first_date as period_start_date,
        last_date as period_end_date,
        last_date <= last_complete_date as is_complete_period
    from bounds
    where first_date is not null
{%- endmacro %}
