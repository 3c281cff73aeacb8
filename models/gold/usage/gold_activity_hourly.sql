{{ config(**day_partitioned('activity_date')) }}

with

turns as (

    {{ rows_in_lookback(ref('silver_turns'), 'turn_date', 'activity_date') }}

),

hourly as (

    select
        turn_date,
        cast(extract(hour from turn_at) as integer) as hour_of_day,
        count(*) as turns,
        sum(case when turn_index = 0 then 1 else 0 end) as conversations_started,
        count(distinct user_key) as active_users
    from turns
    group by 1, 2

),

final as (

    select
        -- when (UTC)
        hour_of_day,
        cast({{ iso_day_of_week('turn_date') }} as integer) as day_of_week,

        -- activity
        cast(turns as bigint) as turns,
        cast(conversations_started as bigint) as conversations_started,
        cast(active_users as bigint) as active_users,

        -- partition
        turn_date as activity_date

    from hourly

)

select * from final
