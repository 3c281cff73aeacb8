{{ config(**day_partitioned('activity_date')) }}

with

user_days as (

    select * from {{ ref('private_user_daily_activity') }}

),

first_days as (

    select
        user_key,
        min(activity_date) as first_activity_date
    from user_days
    group by 1

),

days as (

    select distinct activity_date
    from user_days
    {% if is_incremental() %}
        where activity_date >= cast('{{ lookback_start("activity_date") }}' as date)
    {% endif %}

),

daily as (

    select
        activity_date,
        count(*) as dau
    from user_days
    group by 1

),

weekly as (

    select * from {{ rolling_active_users('user_days', 'days', 7) }} as weekly_users

),

monthly as (

    select * from {{ rolling_active_users('user_days', 'days', 30) }} as monthly_users

),

rolling as (

    -- each day with its active users: on the day, in the 7 and the 30 days up to it
    select
        days.activity_date,
        daily.dau,
        weekly.users as wau,
        monthly.users as mau
    from days
    inner join daily on days.activity_date = daily.activity_date
    inner join weekly on days.activity_date = weekly.activity_date
    inner join monthly on days.activity_date = monthly.activity_date

),

new_and_returning as (

    select
        user_days.activity_date,
        sum(
            case when first_days.first_activity_date = user_days.activity_date then 1 else 0 end
        ) as new_users,
        sum(
            case when first_days.first_activity_date < user_days.activity_date then 1 else 0 end
        ) as returning_users
    from user_days
    inner join first_days on user_days.user_key = first_days.user_key
    inner join days on user_days.activity_date = days.activity_date
    group by 1

),

final as (

    select
        -- active users: on the day, in the 7 and the 30 days up to it
        cast(rolling.dau as bigint) as dau,
        cast(rolling.wau as bigint) as wau,
        cast(rolling.mau as bigint) as mau,
        {{ divide('rolling.dau', 'rolling.mau') }} as dau_mau_ratio,

        -- new (first ever turn that day) and returning
        cast(new_and_returning.new_users as bigint) as new_users,
        cast(new_and_returning.returning_users as bigint) as returning_users,

        -- partition
        rolling.activity_date

    from rolling
    inner join new_and_returning on rolling.activity_date = new_and_returning.activity_date

)

select * from final
