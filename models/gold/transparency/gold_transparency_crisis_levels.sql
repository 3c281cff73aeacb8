with

observations as (

    select * from {{ ref('silver_observations') }}

),

people as (

    -- each person once a quarter, at the highest level observed for them
    select *
    from {{ people_by_highest_level('observations', 'quarter', 'quarter_start') }} as by_level

),

flagged as (

    select
        people.*,
        sum(users) over (partition by quarter_start) as people_observed,
        {{ suppression_flags(['quarter_start'], 'users', 'crisis_level') }}
    from people

),

final as (

    select
        quarter_start,
        crisis_level,
        cast({{ shown('users') }} as bigint) as users,
        {{ shown_total('people_observed') }} as people_observed,
        is_suppressed,
        suppression_reason
    from flagged

)

select * from final
