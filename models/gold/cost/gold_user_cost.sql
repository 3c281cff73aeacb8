with

turns as (

    select * from {{ ref('silver_turns') }}

),

per_user as (

    select
        user_key,

        -- activity
        count(*) as turns,
        count(distinct conversation_key) as conversations,
        count(distinct turn_date) as active_days,
        sum(case when is_priced then 0 else 1 end) as unpriced_turns,

        -- tokens
        sum(tokens_in) as tokens_in,
        sum(tokens_out) as tokens_out,
        sum(tokens_cache_read) as tokens_cache_read,
        sum(tokens_cache_write) as tokens_cache_write,

        -- cost of the priced turns; unpriced turns are counted above, never guessed
        cast(coalesce(sum(cost_usd), 0) as decimal(20, 10)) as cost_usd,

        -- timestamps
        min(turn_at) as first_turn_at,
        max(turn_at) as last_turn_at

    from turns
    group by 1

)

select * from per_user
