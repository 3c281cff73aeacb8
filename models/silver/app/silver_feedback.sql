{{
    config(
        unique_key='feedback_key',
    )
}}

with

feedback_changes as (

    {{ bronze_in_lookback(ref('bronze_dynamodb_feedback'), 'updated_at') }}

),

latest as (

    select * from {{ first_row_per(
        'feedback_changes',
        'source_feedback_id',
        "changed_at desc, lpad(sequence_number, 40, '0') desc"
    ) }}

),

final as (

    select
        -- ids
        {{ pseudonymise('source_feedback_id') }} as feedback_key,
        {{ pseudonymise('source_user_id') }} as user_key,
        {{ pseudonymise('source_conversation_id') }} as conversation_key,

        -- the rating; the comment's text never reached the lake
        turn_index,
        rating,
        has_comment,
        event_name = 'REMOVE' as is_deleted,

        -- timestamps
        {{ as_timestamp('created_at') }} as created_at,
        {{ to_date('created_at') }} as created_date,
        {{ as_timestamp('changed_at') }} as updated_at,

        -- the build that last wrote the row (tests in `dbt build` check these rows)
        {{ build_started_at() }} as built_at

    from latest

)

select * from final
-- users who asked to be erased stay out of every build, full refreshes included
where {{ not_erased('user_key') }}
