{{
    config(
        unique_key='event_id',
        partitioned_by=table_partitions(['turn_date']),
        force_batch=true,
    )
}}

{#-
    Two sources of turns, side by side: the chat Lambda's EMF log lines and
    OpenTelemetry GenAI spans. Each row names its source; each source's event_id
    is deterministic (for a span, from its trace and span ids), so a redelivered
    line or a span exported twice merges into the row it already has. The spans
    carry no route, region, device, crisis flag, turn index or app cost: null.
-#}
{% set bronze_turns %}
    select
        'lambda_emf' as source,
        event_id,
        source_user_id,
        source_conversation_id,
        model_id,
        route,
        region,
        device_class,
        crisis_level,
        turn_index,
        latency_ms,
        tokens_in,
        tokens_out,
        tokens_cache_read,
        tokens_cache_write,
        app_cost_usd,
        turn_at,
        received_at
    from ({{ bronze_in_lookback(ref('bronze_lambda_emf'), 'turn_date') }}) as emf_turns
    union all
    select
        'otel' as source,
        event_id,
        source_user_id,
        source_conversation_id,
        model_id,
        cast(null as varchar) as route,
        cast(null as varchar) as region,
        cast(null as varchar) as device_class,
        cast(null as varchar) as crisis_level,
        cast(null as integer) as turn_index,
        cast(latency_ms as integer) as latency_ms,
        tokens_in,
        tokens_out,
        tokens_cache_read,
        tokens_cache_write,
        cast(null as double) as app_cost_usd,
        turn_at,
        received_at
    from ({{ bronze_in_lookback(ref('bronze_otel'), 'turn_date') }}) as otel_turns
{% endset %}

with

arrivals as (

    -- one pass over Bronze: which events landed more than once, and the ids to key
    {{ arrivals(bronze_turns, ['source_user_id', 'source_conversation_id']) }}

),

prices as (

    select * from {{ ref('silver_prices') }}

),

deduplicated as (

    -- a redelivered line has the same event_id; keep the first copy landed
    select * from {{ first_copies(bronze_turns, 'arrivals') }}

),

user_keys as (

    select * from {{ pseudonym_map('arrivals', 'source_user_id') }} as user_map

),

conversation_keys as (

    select * from {{ pseudonym_map('arrivals', 'source_conversation_id') }} as conversation_map

),

pseudonymised as (

    select
        -- ids
        deduplicated.event_id,
        user_keys.pseudonym as user_key,
        conversation_keys.pseudonym as conversation_key,

        -- dimensions
        deduplicated.source,
        model_id,
        -- the route with id-like segments templated, before anything is stored
        {{ url_path_template('route') }} as route,
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
    left join user_keys on deduplicated.source_user_id = user_keys.source_id
    left join conversation_keys on deduplicated.source_conversation_id = conversation_keys.source_id

),

{% set recost_since = recost_turns_since() %}
{% if recost_since %}
    restated as (

        -- A correction of the price list (`sage build --recost-since`): the turns
        -- already in Silver from that day on are costed again from their own tokens,
        -- since their Bronze may have expired long ago.
        select
            existing.event_id,
            existing.user_key,
            existing.conversation_key,
            -- rows built before turns had more than one source are all EMF turns
            coalesce(existing.source, 'lambda_emf') as source,
            existing.model_id,
            existing.route,
            existing.region,
            existing.device_class,
            existing.crisis_level,
            existing.turn_index,
            existing.latency_ms,
            existing.tokens_in,
            existing.tokens_out,
            existing.tokens_cache_read,
            existing.tokens_cache_write,
            existing.app_reported_cost_usd as app_cost_usd,
            existing.turn_at,
            existing.received_at
        from {{ this }} as existing
        left join pseudonymised as relanded
            on existing.event_id = relanded.event_id
        where
            existing.turn_date >= cast('{{ recost_since }}' as date)
            and relanded.event_id is null

    ),

{% endif %}
turns_to_cost as (

    select * from pseudonymised
    {% if recost_since %}
        union all
        select * from restated
    {% endif %}

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
    from turns_to_cost as turns
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
        source,
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
        received_at,

        -- the build that last wrote the row (tests in `dbt build` check these rows)
        {{ build_started_at() }} as built_at

    from costed

)

select * from final
-- users who asked to be erased stay out of every build, full refreshes included
where {{ not_erased('user_key') }}
