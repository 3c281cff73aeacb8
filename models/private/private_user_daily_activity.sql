{{ config(**day_partitioned('activity_date', row_key=['user_key', 'activity_date'])) }}

{#- Read where it is used, not in a CTE: DuckDB holds a CTE used twice in memory whole. -#}
{% set turns = rows_in_lookback(ref('silver_turns'), 'turn_date', 'activity_date') %}

with

device_turns as (

    select
        user_key,
        turn_date,
        coalesce(device_class, 'unknown') as device_class,
        count(*) as turns
    from ({{ turns }}) as turns
    group by 1, 2, 3

),

main_device as (

    -- the device the user used most that day (ties: alphabetical)
    select *
    from {{ first_row_per('device_turns', 'user_key, turn_date', 'turns desc, device_class asc') }}

),

daily as (

    select
        user_key,
        turn_date,

        -- activity
        count(*) as turns,
        count(distinct conversation_key) as conversations,
        sum(case when turn_index = 0 then 1 else 0 end) as conversations_started,
        sum(case when is_priced then 0 else 1 end) as unpriced_turns,
        sum(case when crisis_level != 'none' then 1 else 0 end) as crisis_flagged_turns,

        -- tokens
        sum(tokens_in) as tokens_in,
        sum(tokens_out) as tokens_out,
        sum(tokens_cache_read) as tokens_cache_read,
        sum(tokens_cache_write) as tokens_cache_write,

        -- cost, USD
        coalesce(sum(cost_usd), 0) as cost_usd,
        coalesce(sum(cost_without_cache_usd), 0) as cost_without_cache_usd,

        -- timestamps
        min(turn_at) as first_turn_at,
        max(turn_at) as last_turn_at

    from ({{ turns }}) as turns
    group by 1, 2

),

final as (

    select
        -- ids
        daily.user_key,

        -- dimensions
        main_device.device_class,

        -- activity
        cast(daily.turns as bigint) as turns,
        cast(daily.conversations as bigint) as conversations,
        cast(daily.conversations_started as bigint) as conversations_started,
        cast(daily.unpriced_turns as bigint) as unpriced_turns,
        cast(daily.crisis_flagged_turns as bigint) as crisis_flagged_turns,

        -- tokens
        cast(daily.tokens_in as bigint) as tokens_in,
        cast(daily.tokens_out as bigint) as tokens_out,
        cast(daily.tokens_cache_read as bigint) as tokens_cache_read,
        cast(daily.tokens_cache_write as bigint) as tokens_cache_write,

        -- cost, USD
        cast(daily.cost_usd as decimal(20, 10)) as cost_usd,
        cast(daily.cost_without_cache_usd as decimal(20, 10)) as cost_without_cache_usd,

        -- timestamps
        daily.first_turn_at,
        daily.last_turn_at,

        -- partition (last: Athena writes a Hive table's partition keys after its columns)
        daily.turn_date as activity_date

    from daily
    inner join main_device
        on
            daily.user_key = main_device.user_key
            and daily.turn_date = main_device.turn_date

)

select * from final
