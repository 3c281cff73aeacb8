{{
    config(
        unique_key='event_id',
        partitioned_by=table_partitions(['request_date']),
    )
}}

{% set bronze_requests = bronze_in_lookback(ref('bronze_cloudfront'), 'request_date') %}

with

arrivals as (

    -- one pass over Bronze: which events landed more than once
    {{ arrivals(bronze_requests) }}

),

deduplicated as (

    select * from {{ first_copies(bronze_requests, 'arrivals') }}

),

final as (

    select
        -- ids
        event_id,

        -- where from: the network, never the address; the country, never the city
        {{ ip_network('client_ip') }} as client_network,
        country_code,
        edge_location,

        -- what was asked: the page, never whose
        method,
        host_header as site,
        {{ url_path_template('uri_path') }} as path_template,
        referer_host,
        protocol,
        http_version,

        -- who asked: device class, never the device
        browser_family,
        os_family,
        device_class,
        is_bot,

        -- response
        status,
        edge_result_type,
        content_type,

        -- measures
        bytes_sent,
        bytes_received,
        time_taken_ms,
        time_to_first_byte_ms,

        -- timestamps
        {{ as_timestamp('requested_at') }} as requested_at,
        {{ to_date('requested_at') }} as request_date,
        {{ as_timestamp('received_at') }} as received_at,

        -- the build that last wrote the row (tests in `dbt build` check these rows)
        {{ build_started_at() }} as built_at

    from deduplicated

)

select * from final
