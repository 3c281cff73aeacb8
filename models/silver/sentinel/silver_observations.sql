{{
    config(
        unique_key='event_id',
        partitioned_by=table_partitions(['observed_date']),
    )
}}

with

bronze_observations as (

    select * from {{ ref('bronze_sentinel') }}
    {% if is_incremental() %}
        where partition_date >= '{{ lookback_start("observed_date") }}'
    {% endif %}

),

prices as (

    select * from {{ ref('silver_prices') }}

),

deduplicated as (

    select * from {{ first_row_per('bronze_observations', 'event_id', 'received_at') }}

),

costed as (

    select
        observations.*,
        prices.price_id,
        {{ usd_for_tokens('observations.observer_tokens_in', 'prices.input_usd_per_mtok') }}
        + {{ usd_for_tokens('observations.observer_tokens_out', 'prices.output_usd_per_mtok') }}
            as observer_cost_usd
    from deduplicated as observations
    left join prices
        on {{ price_valid_at(
            'prices', 'observations.observer_model_id', 'observations.observed_at'
        ) }}

),

final as (

    select
        -- ids
        event_id,
        {{ pseudonymise('source_user_id') }} as user_key,
        {{ pseudonymise('source_conversation_id') }} as conversation_key,
        price_id,

        -- the observation
        turn_index,
        sentiment_score,
        emotions,
        crisis_level,
        observer_model_id,

        -- what observing cost
        observer_tokens_in,
        observer_tokens_out,
        cast(observer_cost_usd as decimal(20, 10)) as observer_cost_usd,

        -- timestamps
        {{ as_timestamp('observed_at') }} as observed_at,
        {{ to_date('observed_at') }} as observed_date,
        {{ as_timestamp('received_at') }} as received_at

    from costed

)

select * from final
