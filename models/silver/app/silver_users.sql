{{
    config(
        unique_key='user_key',
    )
}}

with

user_changes as (

    -- only users changed in the look-back window are merged; the rest stay as built
    {{ bronze_in_lookback(ref('bronze_dynamodb_users'), 'updated_at') }}

),

latest as (

    -- the newest change of each user is their current state (images are whole items)
    select * from {{ first_row_per(
        'user_changes',
        'source_user_id',
        "changed_at desc, lpad(sequence_number, 40, '0') desc"
    ) }}

),

final as (

    select
        -- ids
        {{ pseudonymise('source_user_id') }} as user_key,

        -- dimensions: country, never city; an age band, never the birth year
        country_code,
        {{ age_band('birth_year', 'signed_up_at') }} as age_band,
        plan,
        locale,
        marketing_opt_in,
        event_name = 'REMOVE' as is_deleted,

        -- timestamps
        {{ as_timestamp('signed_up_at') }} as signed_up_at,
        {{ to_date('signed_up_at') }} as signup_date,
        {{ as_timestamp('last_active_at') }} as last_active_at,
        case when event_name = 'REMOVE' then {{ as_timestamp('changed_at') }} end as deleted_at,
        {{ as_timestamp('changed_at') }} as updated_at,

        -- the build that last wrote the row (tests in `dbt build` check these rows)
        {{ build_started_at() }} as built_at

    from latest

)

select * from final
-- users who asked to be erased stay out of every build, full refreshes included
where {{ not_erased('user_key') }}
