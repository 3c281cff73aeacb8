{{
    config(
        unique_key='event_id',
        partitioned_by=table_partitions(['turn_date']),
        force_batch=true,
    )
}}

with

bronze_turns as (

    select * from {{ ref('bronze_lambda_emf') }}
    {% if is_incremental() %}
        -- recompute the last days already built, so late and redelivered lines merge in
        where partition_date >= '{{ lookback_start("turn_date") }}'
    {% endif %}

),

prices as (

    select * from {{ ref('silver_prices') }}

),

deduplicated as (

    -- a redelivered line has the same event_id; keep the first copy landed
    select * from {{ first_row_per('bronze_turns', 'event_id', 'received_at') }}

),

pseudonymised as (

    select
        -- ids
        event_id,
        {{ pseudonymise('source_user_id') }} as user_key,
        {{ pseudonymise('source_conversation_id') }} as conversation_key,

        -- dimensions
        model_id,
        route,
        region,
        device_class,
        coalesce(crisis_level, 'none') as crisis_level,

        -- measures
        turn_index,
        latency_ms,
        tokens_in,
        tokens_out,
        tokens_cache_read,
        tokens_cache_write,
        app_cost_usd,

        -- timestamps
        {{ as_timestamp('turn_at') }} as turn_at,
        {{ as_timestamp('received_at') }} as received_at

    from deduplicated

),

costed as (

    select
        turns.*,
        prices.price_id,
        prices.price_id is not null as is_priced,
        {{ usd_for_tokens('turns.tokens_in', 'prices.input_usd_per_mtok') }} as input_cost_usd,
        {{ usd_for_tokens('turns.tokens_out', 'prices.output_usd_per_mtok') }} as output_cost_usd,
        {{ usd_for_tokens('turns.tokens_cache_read', 'prices.cache_read_usd_per_mtok') }}
            as cache_read_cost_usd,
        {{ usd_for_tokens('turns.tokens_cache_write', 'prices.cache_write_usd_per_mtok') }}
            as cache_write_cost_usd,
        -- the same tokens with no prompt cache: every input token at the input rate
        {{ usd_for_tokens(
            'turns.tokens_in + turns.tokens_cache_read + turns.tokens_cache_write',
            'prices.input_usd_per_mtok'
        ) }}
        + {{ usd_for_tokens('turns.tokens_out', 'prices.output_usd_per_mtok') }}
            as cost_without_cache_usd
    from pseudonymised as turns
    left join prices
        on {{ price_valid_at('prices', 'turns.model_id', 'turns.turn_at') }}

),

final as (

    select
        -- ids
        event_id,
        user_key,
        conversation_key,
        price_id,

        -- dimensions
        model_id,
        route,
        region,
        device_class,
        crisis_level,
        is_priced,

        -- measures
        turn_index,
        latency_ms,
        tokens_in,
        tokens_out,
        tokens_cache_read,
        tokens_cache_write,
        input_cost_usd,
        output_cost_usd,
        cache_read_cost_usd,
        cache_write_cost_usd,
        cast(
            input_cost_usd + output_cost_usd + cache_read_cost_usd + cache_write_cost_usd
            as decimal(20, 10)
        ) as cost_usd,
        cast(cost_without_cache_usd as decimal(20, 10)) as cost_without_cache_usd,
        app_cost_usd as app_reported_cost_usd,

        -- timestamps
        turn_at,
        {{ to_date('turn_at') }} as turn_date,
        received_at

    from costed

)

select * from final
