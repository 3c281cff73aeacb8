{#
    rolling_active_users(user_days, days, window_days): for each day of
    `days` (a relation with `activity_date`), how many distinct users were
    active in the `window_days` days up to and including it, from `user_days`
    (one row per user and active day). A subquery with (activity_date, users).

    Joining every day to every user-day of its window costs days x window rows
    (90 million at ten million turns). Instead each user's active days are
    merged into covered spans (a day covers itself and the window_days - 1
    days after it; spans that touch merge), a span adds one user on its first
    day and removes one the day after it ends, and a running sum gives the
    count on any day: one sort of the user-days.
#}
{% macro rolling_active_users(user_days, days, window_days) -%}
    (
        with

        gaps as (

            select
                user_key,
                activity_date,
                case
                    when lag(activity_date) over (partition by user_key order by activity_date)
                        >= {{ add_days('activity_date', -window_days) }}
                        then 0
                    else 1
                end as starts_span
            from {{ user_days }}

        ),

        numbered as (

            select
                user_key,
                activity_date,
                sum(starts_span) over (
                    partition by user_key
                    order by activity_date
                    rows between unbounded preceding and current row
                ) as span_number
            from gaps

        ),

        spans as (

            select
                user_key,
                span_number,
                min(activity_date) as first_day,
                max(activity_date) as last_day
            from numbered
            group by 1, 2

        ),

        changes as (

            select first_day as activity_date, 1 as change from spans
            union all
            select {{ add_days('last_day', window_days) }} as activity_date, -1 as change from spans
            union all
            select activity_date, 0 as change from {{ days }}

        ),

        running as (

            select
                activity_date,
                sum(sum(change)) over (
                    order by activity_date rows between unbounded preceding and current row
                ) as users
            from changes
            group by 1

        )

        select running.activity_date, running.users
        from running
        inner join {{ days }} as wanted on running.activity_date = wanted.activity_date
    )
{%- endmacro %}
