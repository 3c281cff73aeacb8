{{ config(**day_partitioned('turn_date')) }}

with

turns as (

    {{ rows_in_lookback(ref('silver_turns'), 'turn_date', 'turn_date') }}

),

daily as (

    select
        turn_date,
        -- the price list's model ids; any other id the app logged is 'other'
        {{ closed_value('model_id', 'model_id') }} as model_id,
        count(*) as turns,
        avg(cast(latency_ms as double)) as mean_latency_ms,
        {{ percentile('latency_ms', 0.5) }} as p50_latency_ms,
        {{ percentile('latency_ms', 0.95) }} as p95_latency_ms,
        {{ percentile('latency_ms', 0.99) }} as p99_latency_ms
    from turns
    group by 1, 2

),

final as (

    select
        -- dimensions
        model_id,

        -- measures
        cast(turns as bigint) as turns,
        mean_latency_ms,
        p50_latency_ms,
        p95_latency_ms,
        p99_latency_ms,

        -- partition
        turn_date

    from daily

)

select * from final
