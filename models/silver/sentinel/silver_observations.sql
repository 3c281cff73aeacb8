{{
    config(
        unique_key='event_id',
        partitioned_by=table_partitions(['observed_date']),
    )
}}

{% set bronze_observations = bronze_in_lookback(ref('bronze_sentinel'), 'observed_date') %}

with

arrivals as (

    -- one pass over Bronze: which events landed more than once, and the ids to key
    {{ arrivals(bronze_observations, ['source_user_id', 'source_conversation_id']) }}

),

prices as (

    select * from {{ ref('silver_prices') }}

),

deduplicated as (

    select * from {{ first_copies(bronze_observations, 'arrivals') }}

),

user_keys as (

    select * from {{ pseudonym_map('arrivals', 'source_user_id') }} as user_map

),

conversation_keys as (

    select * from {{ pseudonym_map('arrivals', 'source_conversation_id') }} as conversation_map

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
        costed.event_id,
        user_keys.pseudonym as user_key,
        conversation_keys.pseudonym as conversation_key,
        costed.price_id,

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
        {{ as_timestamp('received_at') }} as received_at,

        -- the build that last wrote the row (tests in `dbt build` check these rows)
        {{ build_started_at() }} as built_at

    from costed
    left join user_keys on costed.source_user_id = user_keys.source_id
    left join conversation_keys on costed.source_conversation_id = conversation_keys.source_id

)

select * from final
-- users who asked to be erased stay out of every build, full refreshes included
where {{ not_erased('user_key') }}
