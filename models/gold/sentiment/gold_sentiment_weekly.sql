with

observations as (

    select * from {{ ref('silver_observations') }}

),

per_user as (

    -- one mean per user and week: a user who talks a lot counts once, so the
    -- interval is over people, not over their many correlated turns
    select
        {{ period_start('week', 'observed_date') }} as week_start,
        user_key,
        count(*) as observations,
        avg(sentiment_score) as mean_sentiment
    from observations
    group by 1, 2

),

weekly as (

    select
        week_start,
        count(*) as users,
        sum(observations) as observations,
        avg(mean_sentiment) as mean_sentiment,
        stddev_samp(mean_sentiment) as sd_sentiment
    from per_user
    group by 1

),

flagged as (

    select
        weekly.*,
        {{ suppression_flags(['week_start'], 'users', 'week_start') }}
    from weekly

),

final as (

    select
        -- week (Monday, UTC)
        week_start,

        -- sample size
        cast({{ shown('users') }} as bigint) as users,
        cast({{ shown('observations') }} as bigint) as observations,

        -- mean sentiment in [-1, 1], with its interval
        {{ shown('mean_sentiment') }} as mean_sentiment,
        {{ shown('mean_sentiment - ' ~ t_interval_half_width('sd_sentiment', 'users')) }}
            as mean_sentiment_ci_low,
        {{ shown('mean_sentiment + ' ~ t_interval_half_width('sd_sentiment', 'users')) }}
            as mean_sentiment_ci_high,
        't-interval (95%) over per-user weekly means' as ci_method,

        -- suppression
        is_suppressed,
        suppression_reason

    from flagged

)

select * from final
