{{
    config(
        severity="warn",
        warn_if="> 0",
        fail_calc="coalesce(sum(unpriced_turns), 0)",
        store_failures=true,
    )
}}
-- Every turn has a price row valid at the turn's time. A turn without one is kept
-- uncosted (is_priced = false), never priced with a guess; this lists such turns by
-- model, with their count and their share of all turns. Any warns, and dbt's line
-- counts turns ("Got 97 results" is 97 unpriced turns); the build's last lines give
-- their share (macros/hooks/unpriced_turns.sql). Whether the share is too large to
-- go on is assert_unpriced_turns_within_the_limit's decision.

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
        {{ divide('count(*)', 'max(all_turns.all_turns)') }} as share_of_turns,
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
