{{ config(**day_partitioned('turn_date')) }}

with

turns as (

    {{ rows_in_lookback(ref('silver_turns'), 'turn_date', 'turn_date') }}

),

daily as (

    select
        turn_date,
        -- the price list's model ids; any other id the app logged is 'other'
        {{ closed_value('model_id', 'model_id') }} as model_id,

        -- activity
        count(distinct user_key) as users,
        count(distinct conversation_key) as conversations,
        count(*) as turns,
        sum(case when source = 'otel' then 1 else 0 end) as otel_turns,
        sum(case when is_priced then 0 else 1 end) as unpriced_turns,

        -- tokens
        sum(tokens_in) as tokens_in,
        sum(tokens_out) as tokens_out,
        sum(tokens_cache_read) as tokens_cache_read,
        sum(tokens_cache_write) as tokens_cache_write,

        -- cost, USD
        coalesce(sum(cost_usd), 0) as cost_usd

    from turns
    group by 1, 2

),

final as (

    select
        -- dimensions
        model_id,

        -- activity
        cast(users as bigint) as users,
        cast(conversations as bigint) as conversations,
        cast(turns as bigint) as turns,
        cast(otel_turns as bigint) as otel_turns,
        cast(unpriced_turns as bigint) as unpriced_turns,

        -- tokens
        cast(tokens_in as bigint) as tokens_in,
        cast(tokens_out as bigint) as tokens_out,
        cast(tokens_cache_read as bigint) as tokens_cache_read,
        cast(tokens_cache_write as bigint) as tokens_cache_write,

        -- cost, USD
        cast(cost_usd as decimal(20, 10)) as cost_usd,

        -- partition (last: Athena writes a Hive table's partition keys after its columns)
        turn_date

    from daily

)

select * from final
