{{ config(**partner_analytics()) }}

with

telemetry as (

    select * from {{ ref('silver_partner_telemetry') }}

),

daily as (

    select
        partner_id,
        occurred_date,
        model_id,
        count(*) as events,
        sum(case when event_type = 'request' then 1 else 0 end) as request_events,
        sum(case when event_type = 'stream' then 1 else 0 end) as stream_events,
        sum(case when status = 'error' then 1 else 0 end) as error_events,
        {{ percentile('latency_ms', 0.5) }} as p50_latency_ms,
        {{ percentile('latency_ms', 0.95) }} as p95_latency_ms,
        {{ percentile('latency_ms', 0.99) }} as p99_latency_ms,
        count(ttft_ms) as ttft_events,
        {{ percentile('ttft_ms', 0.5) }} as p50_ttft_ms,
        {{ percentile('ttft_ms', 0.95) }} as p95_ttft_ms,
        {{ percentile('ttft_ms', 0.99) }} as p99_ttft_ms,
        sum(tokens_in) as tokens_in,
        sum(tokens_out) as tokens_out,
        count(distinct sdk_version) as sdk_versions
    from telemetry
    group by 1, 2, 3

),

final as (

    select
        -- dimensions
        occurred_date as event_date,
        model_id,

        -- volumes
        cast(events as bigint) as events,
        cast(request_events as bigint) as request_events,
        cast(stream_events as bigint) as stream_events,
        cast(error_events as bigint) as error_events,
        {{ divide('error_events', 'events') }} as error_rate,

        -- latency and time to first token, milliseconds
        p50_latency_ms,
        p95_latency_ms,
        p99_latency_ms,
        cast(ttft_events as bigint) as ttft_events,
        p50_ttft_ms,
        p95_ttft_ms,
        p99_ttft_ms,

        -- tokens
        cast(tokens_in as bigint) as tokens_in,
        cast(tokens_out as bigint) as tokens_out,
        cast(sdk_versions as bigint) as sdk_versions,

        -- partitions
        partner_id,
        substr({{ date_text('occurred_date') }}, 1, 7) as month

    from daily

)

select * from final
