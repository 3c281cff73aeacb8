{#- Read where it is used, not in a CTE: DuckDB holds a CTE used twice in memory whole. -#}
{% set observations = ref('silver_observations') %}

with

labelled as (

    select
        {{ period_start('week', 'observations.observed_date') }} as week_start,
        observations.user_key,
        observations.event_id,
        labels.emotion
    from {{ observations }} as observations
    cross join unnest(observations.emotions) as labels (emotion)

),

weekly_totals as (

    select
        {{ period_start('week', 'observed_date') }} as week_start,
        count(*) as observations
    from {{ observations }}
    group by 1

),

cells as (

    select
        week_start,
        -- the observer's declared labels; anything else is 'other'
        {{ closed_value('emotion', 'emotion') }} as emotion,
        count(distinct event_id) as observations_with_label,
        count(distinct user_key) as users_with_label
    from labelled
    group by 1, 2

),

flagged as (

    -- an observation can carry several labels, so cells overlap and sum to no
    -- total: each cell stands alone (no complementary suppression is needed)
    select
        cells.*,
        weekly_totals.observations,
        {{ suppression_flags(
            ['cells.week_start', 'cells.emotion'], 'users_with_label', 'cells.emotion'
        ) }}
    from cells
    inner join weekly_totals on cells.week_start = weekly_totals.week_start

),

final as (

    select
        -- cell
        week_start,
        emotion,

        -- published numbers: null when suppressed
        cast({{ shown('users_with_label') }} as bigint) as users_with_label,
        cast({{ shown('observations_with_label') }} as bigint) as observations_with_label,
        {{ shown(divide('observations_with_label', 'observations')) }} as share_of_observations,
        {{ shown('share_ci_low') }} as share_ci_low,
        {{ shown('share_ci_high') }} as share_ci_high,
        'Wilson score (95%)' as share_ci_method,

        -- suppression
        is_suppressed,
        suppression_reason

    from (
        select
            flagged.*,
            {{ wilson_interval('observations_with_label', 'observations', 'share') }}
        from flagged
    ) as with_intervals

)

select * from final
