with

user_days as (

    select * from {{ ref('private_user_daily_activity') }}

),

periods as (

    {{ reporting_periods('user_days', 'activity_date') }}

),

per_user as (

    select
        -- period
        periods.period_type,
        periods.period_start_date,
        periods.period_end_date,
        periods.is_complete_period,

        -- ids
        user_days.user_key,

        -- activity
        cast(count(*) as bigint) as active_days,
        cast(sum(user_days.conversations_started) as bigint) as conversations,
        cast(sum(user_days.turns) as bigint) as turns,
        cast(sum(user_days.unpriced_turns) as bigint) as unpriced_turns,

        -- tokens
        cast(sum(user_days.tokens_in) as bigint) as tokens_in,
        cast(sum(user_days.tokens_out) as bigint) as tokens_out,
        cast(sum(user_days.tokens_cache_read) as bigint) as tokens_cache_read,
        cast(sum(user_days.tokens_cache_write) as bigint) as tokens_cache_write,

        -- cost of the priced turns; unpriced turns are counted above, never guessed
        cast(sum(user_days.cost_usd) as decimal(20, 10)) as cost_usd,

        -- timestamps
        min(user_days.first_turn_at) as first_turn_at,
        max(user_days.last_turn_at) as last_turn_at

    from user_days
    inner join periods
        on user_days.activity_date between periods.period_start_date and periods.period_end_date
    group by 1, 2, 3, 4, 5

)

select * from per_user
