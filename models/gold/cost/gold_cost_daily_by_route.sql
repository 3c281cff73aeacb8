{{ config(**day_partitioned('turn_date')) }}

with

turns as (

    {{ rows_in_lookback(ref('silver_turns'), 'turn_date', 'turn_date') }}

),

daily as (

    select
        turn_date,
        -- declared route templates and routes of at least min_cohort_size people; else
        -- 'other'; 'unknown' for turns reported as OpenTelemetry spans, which name no route
        coalesce({{ closed_value('route', 'route') }}, 'unknown') as route,
        count(distinct user_key) as users,
        count(*) as turns,
        sum(case when is_priced then 0 else 1 end) as unpriced_turns,
        coalesce(sum(cost_usd), 0) as cost_usd
    from turns
    group by 1, 2

),

final as (

    select
        -- dimensions
        route,

        -- activity
        cast(users as bigint) as users,
        cast(turns as bigint) as turns,
        cast(unpriced_turns as bigint) as unpriced_turns,

        -- cost, USD
        cast(cost_usd as decimal(20, 10)) as cost_usd,

        -- partition
        turn_date

    from daily

)

select * from final
