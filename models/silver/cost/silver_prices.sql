{{ config(materialized='table') }}

with

price_list as (

    select * from {{ ref('pricing') }}

),

typed as (

    select
        -- ids
        price_id,
        model_id,
        provider,

        -- validity: from inclusive, to exclusive, both UTC midnights; open-ended when to is null
        {{ as_timestamp('cast(effective_from as date)') }} as valid_from_at,
        {{ as_timestamp('cast(effective_to as date)') }} as valid_to_at,

        -- rates, USD per million tokens
        cast(input_usd_per_mtok as decimal(12, 6)) as input_usd_per_mtok,
        cast(output_usd_per_mtok as decimal(12, 6)) as output_usd_per_mtok,
        cast(cache_read_usd_per_mtok as decimal(12, 6)) as cache_read_usd_per_mtok,
        cast(cache_write_usd_per_mtok as decimal(12, 6)) as cache_write_usd_per_mtok

    from price_list

)

select * from typed
