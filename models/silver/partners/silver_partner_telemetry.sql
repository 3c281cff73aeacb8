{{
    config(
        unique_key='event_id',
        partitioned_by=table_partitions(['occurred_date']),
    )
}}

with

bronze_telemetry as (

    select * from {{ ref('bronze_partner_telemetry') }}
    {% if is_incremental() %}
        where partition_date >= '{{ lookback_start("occurred_date") }}'
    {% endif %}

),

deduplicated as (

    select * from {{ first_copy_per_event('bronze_telemetry') }}

),

final as (

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
        {{ as_timestamp('occurred_at') }} as occurred_at,
        {{ to_date('occurred_at') }} as occurred_date,
        {{ as_timestamp('received_at') }} as received_at

    from deduplicated

)

select * from final
