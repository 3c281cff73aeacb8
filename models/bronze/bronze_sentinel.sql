with

source as (

    {{ lake_rows('sentinel') }}

),

renamed as (

    select
        -- ids
        event_id,
        uid as source_user_id,
        cid as source_conversation_id,

        -- observation
        turn_index,
        sentiment as sentiment_score,
        emotions,
        crisis_level,
        observer_model_id,

        -- measures
        observer_tokens_in,
        observer_tokens_out,

        -- timestamps
        event_at as observed_at,
        received_at,

        -- lake partition
        dt as partition_date,
        schema_version

    from source

)

select * from renamed
