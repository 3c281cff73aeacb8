{{
    config(
        unique_key='conversation_key',
    )
}}

with

conversation_changes as (

    {{ bronze_in_lookback(ref('bronze_dynamodb_conversations'), 'updated_at') }}

),

latest as (

    select * from {{ first_row_per(
        'conversation_changes',
        'source_conversation_id',
        "changed_at desc, lpad(sequence_number, 40, '0') desc"
    ) }}

),

final as (

    select
        -- ids
        {{ pseudonymise('source_conversation_id') }} as conversation_key,
        {{ pseudonymise('source_user_id') }} as user_key,

        -- dimensions
        status,
        model_id,
        event_name = 'REMOVE' as is_deleted,

        -- measures
        turn_count,

        -- timestamps
        {{ as_timestamp('started_at') }} as started_at,
        {{ to_date('started_at') }} as started_date,
        {{ as_timestamp('changed_at') }} as updated_at,

        -- the build that last wrote the row (tests in `dbt build` check these rows)
        {{ build_started_at() }} as built_at

    from latest

)

select * from final
-- users who asked to be erased stay out of every build, full refreshes included
where {{ not_erased('user_key') }}
