with

source as (

    {{ lake_rows('dynamodb_feedback') }}

),

renamed as (

    select
        -- ids
        event_id,
        feedback_hash as source_feedback_id,
        uid as source_user_id,
        cid as source_conversation_id,

        -- change
        event_name,
        sequence_number,

        -- attributes
        turn_index,
        rating,
        has_comment,
        comment_length,

        -- timestamps
        created_at,
        event_at as changed_at,
        received_at,

        -- lake partition
        dt as partition_date,
        schema_version

    from source

)

select * from renamed
