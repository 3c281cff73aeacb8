{{
    config(
        severity="error",
        warn_if="> 0",
        error_if="> " ~ var("unpriced_turns_max_ppm"),
        fail_calc="cast(coalesce(ceil(sum(unpriced_turns) * 1000000.0 / max(all_turns)), 0) as bigint)",
        store_failures=true,
    )
}}
-- Every turn has a price row valid at the turn's time. A turn without one is kept
-- uncosted (is_priced = false), never priced with a guess; this lists such turns by
-- model, with their count. Their share of all turns, in parts per million, decides
-- the status: any warns, more than the var `unpriced_turns_max_ppm` (dbt_project.yml)
-- fails the build.

with

turns as (

    select * from {{ ref('silver_turns') }}

),

prices as (

    select * from {{ ref('silver_prices') }}

),

all_turns as (

    select count(*) as all_turns from turns

),

listed_models as (

    select distinct model_id from prices

),

unpriced as (

    select
        turns.model_id,
        case
            when listed_models.model_id is null then 'model not in seeds/pricing.csv'
            else 'no row of the model valid at the turn time'
        end as reason,
        count(*) as unpriced_turns,
        max(all_turns.all_turns) as all_turns,
        min(turns.turn_at) as first_turn_at,
        max(turns.turn_at) as last_turn_at
    from turns
    cross join all_turns
    left join listed_models
        on turns.model_id = listed_models.model_id
    where not turns.is_priced
    group by 1, 2

)

select * from unpriced
