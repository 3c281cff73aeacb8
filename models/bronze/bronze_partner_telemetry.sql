with

source as (

    {{ lake_rows('partner_telemetry') }}

),

renamed as (

    select
        -- ids
        event_id,
        partner_id,

        -- dimensions
        model_id,
        event_type,
        status,
        error_code,
        sdk_version,

        -- measures
        latency_ms,
        ttft_ms,
        tokens_in,
        tokens_out,

        -- timestamps
        event_at as occurred_at,
        received_at,

        -- lake partition
        dt as partition_date,
        schema_version

    from source

)

select * from renamed
