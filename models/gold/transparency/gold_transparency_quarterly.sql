with

user_days as (

    select * from {{ ref('private_user_daily_activity') }}

),

observations as (

    select * from {{ ref('silver_observations') }}

),

activity as (

    select
        {{ period_start('quarter', 'activity_date') }} as quarter_start,
        count(distinct user_key) as active_users,
        sum(conversations_started) as conversations,
        sum(turns) as turns
    from user_days
    group by 1

),

flags as (

    select
        {{ period_start('quarter', 'observed_date') }} as quarter_start,
        count(*) as turns_observed,
        sum(case when crisis_level != 'none' then 1 else 0 end) as turns_flagged,
        count(distinct case when crisis_level != 'none' then user_key end) as users_flagged
    from observations
    group by 1

),

joined as (

    select
        activity.*,
        coalesce(flags.turns_observed, 0) as turns_observed,
        coalesce(flags.turns_flagged, 0) as turns_flagged,
        coalesce(flags.users_flagged, 0) as users_flagged,
        activity.active_users < {{ var('min_cohort_size') }} as is_suppressed,
        coalesce(flags.users_flagged, 0) < {{ var('min_cohort_size') }} as flags_suppressed
    from activity
    left join flags on activity.quarter_start = flags.quarter_start

),

final as (

    select
        -- quarter
        quarter_start,
        {{ date_text('quarter_start') }} as quarter_first_day,

        -- who used the app: null when fewer than the minimum cohort
        cast(case when not is_suppressed then active_users end as bigint) as active_users,
        cast(case when not is_suppressed then conversations end as bigint) as conversations,
        cast(case when not is_suppressed then turns end as bigint) as turns,

        -- crisis flags raised by the observer, counted, never linked to anyone
        cast(case when not flags_suppressed then users_flagged end as bigint) as users_flagged,
        cast(case when not flags_suppressed then turns_flagged end as bigint) as turns_flagged,
        case when not flags_suppressed then {{ divide('turns_flagged', 'turns_observed') }} end
            as share_of_turns_flagged,
        case when not flags_suppressed then share_ci_low end as share_ci_low,
        case when not flags_suppressed then share_ci_high end as share_ci_high,
        'Wilson score (95%)' as share_ci_method,

        -- suppression
        is_suppressed,
        flags_suppressed,
        case
            when is_suppressed then 'fewer than {{ var("min_cohort_size") }} active users'
            when flags_suppressed then 'fewer than {{ var("min_cohort_size") }} flagged users'
        end as suppression_reason

    from (
        select
            joined.*,
            {{ wilson_interval('turns_flagged', 'turns_observed', 'share') }}
        from joined
    ) as with_intervals

)

select * from final
