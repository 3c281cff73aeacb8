with

user_cost as (

    select * from {{ ref('gold_user_cost') }}

),

summary as (

    select
        -- window
        min(first_turn_at) as period_start_at,
        max(last_turn_at) as period_end_at,

        -- counts
        count(*) as users,
        sum(conversations) as conversations,
        sum(turns) as turns,
        sum(unpriced_turns) as unpriced_turns,

        -- cost per user, USD
        cast(coalesce(sum(cost_usd), 0) as decimal(20, 10)) as total_cost_usd,
        {{ divide('sum(cost_usd)', 'count(*)') }} as avg_cost_per_user_usd,
        cast(max(cost_usd) as double) as max_cost_per_user_usd,
        {{ percentile('cost_usd', 0.5) }} as p50_cost_per_user_usd,
        {{ percentile('cost_usd', 0.9) }} as p90_cost_per_user_usd,
        {{ percentile('cost_usd', 0.99) }} as p99_cost_per_user_usd

    from user_cost

)

select * from summary
