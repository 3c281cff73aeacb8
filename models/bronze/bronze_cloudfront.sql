with

source as (

    {{ lake_rows('cloudfront') }}

),

renamed as (

    select
        -- ids
        event_id,
        request_id,
        client_ip,

        -- request
        method,
        host as distribution_domain,
        host_header,
        uri_path,
        protocol,
        http_version,
        ssl_protocol,
        referer_host,
        user_agent,

        -- response
        status,
        edge_location,
        edge_result_type,
        response_result_type,
        detailed_result_type,
        content_type,

        -- enrichment at ingest
        country_code,
        browser_family,
        os_family,
        device_class,
        is_bot,

        -- measures
        bytes_sent,
        bytes_received,
        content_length,
        time_taken_ms,
        time_to_first_byte_ms,

        -- timestamps
        event_at as requested_at,
        received_at,

        -- lake partition
        dt as partition_date,
        schema_version

    from source

)

select * from renamed
