-- Over all time, the sum of per-user cost, the all-time total, the sum of the
-- monthly totals (months never overlap, so they add up), the daily-by-model total
-- and the user-day total all equal the sum of turn costs in Silver, to the last
-- decimal. Returns a row when not. In the `person_level` group: it reads the
-- restricted per-person tables.

{{ config(group='person_level') }}

with

turn_total as (

    select coalesce(sum(cost_usd), 0) as cost_usd, count(*) as turns
    from {{ ref('silver_turns') }}

),

user_total as (

    select coalesce(sum(cost_usd), 0) as cost_usd, coalesce(sum(turns), 0) as turns
    from {{ ref('private_user_cost') }}
    where period_type = 'all_time'

),

summary_total as (

    select coalesce(max(total_cost_usd), 0) as cost_usd, coalesce(max(turns), 0) as turns
    from {{ ref('gold_cost_all_time') }}

),

monthly_total as (

    select coalesce(sum(total_cost_usd), 0) as cost_usd, coalesce(sum(turns), 0) as turns
    from {{ ref('gold_cost_monthly') }}

),

user_day_total as (

    select coalesce(sum(cost_usd), 0) as cost_usd, coalesce(sum(turns), 0) as turns
    from {{ ref('private_user_daily_activity') }}

),

daily_total as (

    select coalesce(sum(cost_usd), 0) as cost_usd, coalesce(sum(turns), 0) as turns
    from {{ ref('gold_cost_daily_by_model') }}

),

compared as (

    select
        turn_total.cost_usd as turn_cost_usd,
        user_total.cost_usd as user_cost_usd,
        summary_total.cost_usd as summary_cost_usd,
        monthly_total.cost_usd as monthly_cost_usd,
        daily_total.cost_usd as daily_cost_usd,
        user_day_total.cost_usd as user_day_cost_usd,
        turn_total.turns as turn_count,
        user_total.turns as user_turn_count,
        summary_total.turns as summary_turn_count,
        monthly_total.turns as monthly_turn_count,
        daily_total.turns as daily_turn_count,
        user_day_total.turns as user_day_turn_count
    from turn_total
    cross join user_total
    cross join summary_total
    cross join monthly_total
    cross join daily_total
    cross join user_day_total

)

select *
from compared
where
    turn_cost_usd != user_cost_usd
    or turn_cost_usd != summary_cost_usd
    or turn_cost_usd != monthly_cost_usd
    or turn_cost_usd != daily_cost_usd
    or turn_cost_usd != user_day_cost_usd
    or turn_count != user_day_turn_count
    or turn_count != user_turn_count
    or turn_count != summary_turn_count
    or turn_count != monthly_turn_count
    or turn_count != daily_turn_count
