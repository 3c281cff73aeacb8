with

source as (

    select * from {{ source('lake', 'otel') }}

),

renamed as (

    select
        -- ids
        event_id,
        span_id,
        uid as source_user_id,
        cid as source_conversation_id,

        -- dimensions
        model_id,
        request_model_id,
        provider,
        operation_name,
        is_conversation_from_trace,

        -- measures
        latency_ms,
        tokens_input_total,
        tokens_in,
        tokens_out,
        coalesce(tokens_cache_read, 0) as tokens_cache_read,
        coalesce(tokens_cache_write, 0) as tokens_cache_write,

        -- timestamps
        event_at as turn_at,
        received_at,

        -- lake partition
        dt as partition_date,
        schema_version

    from source

)

select * from renamed
