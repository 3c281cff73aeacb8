{{
    config(
        unique_key='event_id',
        partitioned_by=table_partitions(['occurred_date']),
    )
}}

{% set bronze_telemetry = bronze_in_lookback(ref('bronze_partner_telemetry'), 'occurred_date') %}

with

arrivals as (

    -- one pass over Bronze: which events landed more than once
    {{ arrivals(bronze_telemetry) }}

),

deduplicated as (

    select * from {{ first_copies(bronze_telemetry, 'arrivals') }}

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
        {{ as_timestamp('received_at') }} as received_at,

        -- the build that last wrote the row (tests in `dbt build` check these rows)
        {{ build_started_at() }} as built_at

    from deduplicated

)

select * from final
