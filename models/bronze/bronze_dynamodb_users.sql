with

source as (

    {{ lake_rows('dynamodb_users') }}

),

renamed as (

    select
        -- ids
        event_id,
        uid as source_user_id,

        -- change
        event_name,
        sequence_number,

        -- attributes
        country_code,
        birth_year,
        plan,
        locale,
        marketing_opt_in,

        -- timestamps
        signed_up_at,
        last_active_at,
        event_at as changed_at,
        received_at,

        -- lake partition
        dt as partition_date,
        schema_version

    from source

)

select * from renamed
