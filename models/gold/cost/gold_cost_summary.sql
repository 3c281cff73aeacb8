{% set half_width = t_interval_half_width('sd_cost_per_user_usd', 'users') %}

with

user_cost as (

    select * from {{ ref('private_user_cost') }}

),

summary as (

    select
        -- window
        window_name,
        window_start_date,
        window_end_date,

        -- counts
        count(*) as users,
        sum(conversations) as conversations,
        sum(turns) as turns,
        sum(unpriced_turns) as unpriced_turns,

        -- cost per user, USD
        sum(cost_usd) as total_cost_usd,
        {{ divide('sum(cost_usd)', 'count(*)') }} as avg_cost_per_user_usd,
        stddev_samp(cast(cost_usd as double)) as sd_cost_per_user_usd,
        cast(max(cost_usd) as double) as max_cost_per_user_usd,
        {{ percentile('cost_usd', 0.5) }} as p50_cost_per_user_usd,
        {{ percentile('cost_usd', 0.9) }} as p90_cost_per_user_usd,
        {{ percentile('cost_usd', 0.99) }} as p99_cost_per_user_usd,

        -- timestamps
        min(first_turn_at) as first_turn_at,
        max(last_turn_at) as last_turn_at

    from user_cost
    group by 1, 2, 3

),

flagged as (

    select
        summary.*,
        -- a statistic of each person's cost over fewer people than the minimum cohort
        -- comes too close to describing one of them: hidden
        users < {{ var('min_cohort_size') }} as is_suppressed
    from summary

),

final as (

    select
        -- window
        window_name,
        window_start_date,
        window_end_date,

        -- counts
        cast(users as bigint) as users,
        cast(conversations as bigint) as conversations,
        cast(turns as bigint) as turns,
        cast(unpriced_turns as bigint) as unpriced_turns,

        -- cost, USD
        cast(total_cost_usd as decimal(20, 10)) as total_cost_usd,

        -- per-person cost, USD: null when the window has fewer people than the minimum
        {{ shown('avg_cost_per_user_usd') }} as avg_cost_per_user_usd,
        {{ shown('avg_cost_per_user_usd - ' ~ half_width) }} as avg_cost_ci_low_usd,
        {{ shown('avg_cost_per_user_usd + ' ~ half_width) }} as avg_cost_ci_high_usd,
        't-interval (95%) over per-user cost' as avg_cost_ci_method,
        {{ shown('max_cost_per_user_usd') }} as max_cost_per_user_usd,
        {{ shown('p50_cost_per_user_usd') }} as p50_cost_per_user_usd,
        {{ shown('p90_cost_per_user_usd') }} as p90_cost_per_user_usd,
        {{ shown('p99_cost_per_user_usd') }} as p99_cost_per_user_usd,
        is_suppressed,
        case
            when is_suppressed then 'fewer than {{ var("min_cohort_size") }} people'
        end as suppression_reason,

        -- timestamps
        first_turn_at as period_start_at,
        last_turn_at as period_end_at

    from flagged

)

select * from final
