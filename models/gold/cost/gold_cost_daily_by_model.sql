{{
    config(
        partitioned_by=table_partitions(['turn_date']),
        force_batch=true,
    )
}}

with

turns as (

    select * from {{ ref('silver_turns') }}

),

daily as (

    select
        turn_date,
        model_id,

        -- activity
        count(distinct user_key) as users,
        count(distinct conversation_key) as conversations,
        count(*) as turns,
        sum(case when is_priced then 0 else 1 end) as unpriced_turns,

        -- tokens
        sum(tokens_in) as tokens_in,
        sum(tokens_out) as tokens_out,
        sum(tokens_cache_read) as tokens_cache_read,
        sum(tokens_cache_write) as tokens_cache_write,

        -- cost, USD
        cast(coalesce(sum(cost_usd), 0) as decimal(20, 10)) as cost_usd

    from turns
    group by 1, 2

)

select * from daily
