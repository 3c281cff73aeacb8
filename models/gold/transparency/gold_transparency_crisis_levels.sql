with

observations as (

    select * from {{ ref('silver_observations') }}

),

per_user as (

    -- each person once a quarter, at the highest level observed for them
    select
        {{ period_start('quarter', 'observed_date') }} as quarter_start,
        user_key,
        max({{ crisis_rank('crisis_level') }}) as highest_rank
    from observations
    group by 1, 2

),

people as (

    select
        quarter_start,
        {{ crisis_level_of_rank('highest_rank') }} as crisis_level,
        count(*) as users
    from per_user
    group by 1, 2

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
