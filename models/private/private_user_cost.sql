with

user_days as (

    select * from {{ ref('private_user_daily_activity') }}

),

windows as (

    {{ reporting_windows('user_days', 'activity_date') }}

),

per_user as (

    select
        -- window
        windows.window_name,
        windows.window_start_date,
        windows.window_end_date,

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
    inner join windows
        on user_days.activity_date between windows.window_start_date and windows.window_end_date
    group by 1, 2, 3, 4

)

select * from per_user
