with

source as (

    {{ lake_rows('dynamodb_conversations') }}

),

renamed as (

    select
        -- ids
        event_id,
        cid as source_conversation_id,
        uid as source_user_id,

        -- change
        event_name,
        sequence_number,

        -- attributes
        turn_count,
        status,
        model_id,

        -- timestamps
        started_at,
        updated_at,
        event_at as changed_at,
        received_at,

        -- lake partition
        dt as partition_date,
        schema_version

    from source

)

select * from renamed
