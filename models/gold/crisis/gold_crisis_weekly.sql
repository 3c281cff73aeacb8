{#- Read where it is used, not in a CTE: DuckDB holds a CTE used twice in memory whole. -#}
{% set observations = ref('silver_observations') %}

with

people as (

    -- each person once a week, at the highest level observed for them
    select *
    from {{ people_by_highest_level(observations, 'week', 'week_start') }} as by_level

),

turns_by_level as (

    select
        {{ period_start('week', 'observed_date') }} as week_start,
        crisis_level,
        count(*) as turns_at_level
    from {{ observations }}
    group by 1, 2

),

turns as (

    select
        turns_by_level.*,
        sum(turns_at_level) over (partition by week_start) as turns_observed
    from turns_by_level

),

flagged as (

    select
        people.week_start,
        people.crisis_level,
        people.users,
        coalesce(turns.turns_at_level, 0) as turns_at_level,
        turns.turns_observed,
        sum(people.users) over (partition by people.week_start) as people_observed,
        {{ suppression_flags(['people.week_start'], 'people.users', 'people.crisis_level') }}
    from people
    left join turns
        on
            people.week_start = turns.week_start
            and people.crisis_level = turns.crisis_level

),

final as (

    select
        -- cell: never a person, only how many
        week_start,
        crisis_level,

        -- published numbers: null when suppressed
        cast({{ shown('users') }} as bigint) as users,
        {{ shown_total('people_observed') }} as people_observed,
        cast({{ shown('turns_at_level') }} as bigint) as turns,
        {{ shown(divide('turns_at_level', 'turns_observed')) }} as share_of_turns,
        {{ shown('share_ci_low') }} as share_ci_low,
        {{ shown('share_ci_high') }} as share_ci_high,
        'Wilson score (95%)' as share_ci_method,

        -- suppression
        is_suppressed,
        suppression_reason

    from (
        select
            flagged.*,
            {{ wilson_interval('turns_at_level', 'turns_observed', 'share') }}
        from flagged
    ) as with_intervals

)

select * from final
