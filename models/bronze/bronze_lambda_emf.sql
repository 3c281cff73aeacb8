with

source as (

    {{ lake_rows('lambda_emf') }}

),

renamed as (

    select
        -- ids
        event_id,
        uid as source_user_id,
        cid as source_conversation_id,

        -- dimensions
        model_id,
        route,
        region,
        device as device_class,
        crisis_flag as crisis_level,

        -- measures
        turn_index,
        latency_ms,
        tokens_in,
        tokens_out,
        coalesce(tokens_cache_read, 0) as tokens_cache_read,
        coalesce(tokens_cache_write, 0) as tokens_cache_write,
        app_cost_usd,

        -- timestamps
        event_at as turn_at,
        received_at,

        -- lake partition
        dt as partition_date,
        schema_version

    from source

)

select * from renamed
