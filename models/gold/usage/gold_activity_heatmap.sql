with

hourly as (

    select * from {{ ref('gold_activity_hourly') }}

),

weekdays_seen as (

    -- how many Mondays, Tuesdays... the data covers, to average over
    select
        day_of_week,
        count(distinct activity_date) as days_observed
    from hourly
    group by 1

),

cells as (

    select
        day_of_week,
        hour_of_day,
        sum(turns) as turns,
        sum(conversations_started) as conversations_started,
        sum(active_users) as user_hours
    from hourly
    group by 1, 2

),

final as (

    select
        -- when (UTC): ISO day of the week, 1 = Monday
        cells.day_of_week,
        cells.hour_of_day,

        -- totals over the data
        cast(weekdays_seen.days_observed as bigint) as days_observed,
        cast(cells.turns as bigint) as turns,
        cast(cells.conversations_started as bigint) as conversations_started,

        -- typical activity in that hour of that weekday
        {{ divide('cells.turns', 'weekdays_seen.days_observed') }} as avg_turns,
        {{ divide('cells.user_hours', 'weekdays_seen.days_observed') }} as avg_active_users

    from cells
    inner join weekdays_seen on cells.day_of_week = weekdays_seen.day_of_week

)

select * from final
