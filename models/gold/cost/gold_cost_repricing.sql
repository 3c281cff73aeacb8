with

daily as (

    select * from {{ ref('gold_cost_daily_by_model') }}

),

prices as (

    select * from {{ ref('silver_prices') }}

),

current_prices as (

    -- today's list: the row of each model valid now (UTC)
    select *
    from prices
    where
        valid_from_at <= {{ dbt.current_timestamp() }}
        and (valid_to_at is null or valid_to_at > {{ dbt.current_timestamp() }})

),

monthly as (

    select
        {{ period_start('month', 'turn_date') }} as month_start,
        model_id,
        sum(turns) as turns,
        sum(unpriced_turns) as unpriced_turns,
        sum(tokens_in) as tokens_in,
        sum(tokens_out) as tokens_out,
        sum(tokens_cache_read) as tokens_cache_read,
        sum(tokens_cache_write) as tokens_cache_write,
        sum(cost_usd) as cost_at_the_time_usd
    from daily
    group by 1, 2

),

repriced as (

    select
        monthly.*,
        current_prices.price_id as current_price_id,
        {{ usd_for_tokens('monthly.tokens_in', 'current_prices.input_usd_per_mtok') }}
        + {{ usd_for_tokens('monthly.tokens_out', 'current_prices.output_usd_per_mtok') }}
        + {{ usd_for_tokens(
            'monthly.tokens_cache_read', 'current_prices.cache_read_usd_per_mtok'
        ) }}
        + {{ usd_for_tokens(
            'monthly.tokens_cache_write', 'current_prices.cache_write_usd_per_mtok'
        ) }}
            as cost_at_current_prices_usd
    from monthly
    left join current_prices
        on monthly.model_id = current_prices.model_id

),

final as (

    select
        -- period and model
        month_start,
        model_id,
        current_price_id,

        -- activity
        cast(turns as bigint) as turns,
        cast(unpriced_turns as bigint) as unpriced_turns,

        -- the same turns at the prices of their time and at today's list, USD
        cast(cost_at_the_time_usd as decimal(20, 10)) as cost_at_the_time_usd,
        cast(cost_at_current_prices_usd as decimal(20, 10)) as cost_at_current_prices_usd,
        cast(cost_at_current_prices_usd - cost_at_the_time_usd as decimal(20, 10)) as difference_usd

    from repriced

)

select * from final
