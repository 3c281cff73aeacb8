{{ config(**day_partitioned('turn_date')) }}

with

turns as (

    select * from {{ ref('silver_turns') }}
    where
        is_priced
        {% if is_incremental() %}
            and turn_date >= cast('{{ lookback_start("turn_date") }}' as date)
        {% endif %}

),

daily as (

    select
        turn_date,
        -- the price list's model ids; any other id the app logged is 'other'
        {{ closed_value('model_id', 'model_id') }} as model_id,
        count(*) as turns,
        sum(case when tokens_cache_read > 0 then 1 else 0 end) as turns_reading_cache,
        sum(tokens_cache_read) as tokens_cache_read,
        sum(tokens_cache_write) as tokens_cache_write,
        sum(cost_usd) as cost_usd,
        sum(cost_without_cache_usd) as cost_without_cache_usd
    from turns
    group by 1, 2

),

final as (

    select
        -- dimensions
        model_id,

        -- activity
        cast(turns as bigint) as turns,
        cast(turns_reading_cache as bigint) as turns_reading_cache,
        cast(tokens_cache_read as bigint) as tokens_cache_read,
        cast(tokens_cache_write as bigint) as tokens_cache_write,

        -- cost, USD: what was paid, what it would have been, the difference
        cast(cost_usd as decimal(20, 10)) as cost_usd,
        cast(cost_without_cache_usd as decimal(20, 10)) as cost_without_cache_usd,
        cast(cost_without_cache_usd - cost_usd as decimal(20, 10)) as savings_usd,

        -- partition
        turn_date

    from daily

)

select * from final
