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

repriced as (

    select
        daily.*,
        current_prices.price_id as current_price_id,
        -- the row in force that day: price rows start and end at UTC midnights, so one
        -- row is valid for the whole of a day
        prices_then.price_id as price_id_then,
        {{ usd_for_tokens('daily.tokens_in', 'current_prices.input_usd_per_mtok') }}
        + {{ usd_for_tokens('daily.tokens_out', 'current_prices.output_usd_per_mtok') }}
        + {{ usd_for_tokens(
            'daily.tokens_cache_read', 'current_prices.cache_read_usd_per_mtok'
        ) }}
        + {{ usd_for_tokens(
            'daily.tokens_cache_write', 'current_prices.cache_write_usd_per_mtok'
        ) }}
            as cost_at_current_prices_usd,
        case
            when current_prices.price_id is null or prices_then.price_id is null then null
            else not (
                prices_then.input_usd_per_mtok = current_prices.input_usd_per_mtok
                and prices_then.output_usd_per_mtok = current_prices.output_usd_per_mtok
                and prices_then.cache_read_usd_per_mtok = current_prices.cache_read_usd_per_mtok
                and prices_then.cache_write_usd_per_mtok = current_prices.cache_write_usd_per_mtok
            )
        end as has_rate_changed
    from daily
    left join current_prices
        on daily.model_id = current_prices.model_id
    left join prices as prices_then
        on {{ price_valid_at('prices_then', 'daily.model_id', as_timestamp('daily.turn_date')) }}

),

final as (

    select
        -- period and model
        turn_date,
        model_id,
        price_id_then,
        current_price_id,
        has_rate_changed,

        -- activity
        cast(turns as bigint) as turns,
        cast(unpriced_turns as bigint) as unpriced_turns,

        -- the same turns at the prices of their time and at today's list, USD
        cast(cost_usd as decimal(20, 10)) as cost_at_the_time_usd,
        cast(cost_at_current_prices_usd as decimal(20, 10)) as cost_at_current_prices_usd,
        cast(cost_at_current_prices_usd - cost_usd as decimal(20, 10)) as difference_usd

    from repriced

)

select * from final
