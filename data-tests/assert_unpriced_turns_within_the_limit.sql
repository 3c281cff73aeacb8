{{ config(severity="error", store_failures=true) }}
-- Turns with no valid price (assert_every_turn_has_a_price warns on any) fail the
-- build when they are more than the var `unpriced_turns_max_ppm` of all turns, in
-- parts per million (dbt_project.yml; 10,000 = 1%, 0 fails on any): a share, not a
-- count, so the same setting holds at six users and at ten thousand. One row when
-- the limit is passed, saying by how much; none otherwise.

with

turns as (

    select * from {{ ref('silver_turns') }}

),

counts as (

    select
        count(*) as all_turns,
        sum(case when is_priced then 0 else 1 end) as unpriced_turns
    from turns

),

over_the_limit as (

    select
        unpriced_turns,
        all_turns,
        {{ divide('unpriced_turns', 'all_turns') }} as share_of_turns,
        {{ divide(var('unpriced_turns_max_ppm'), 1000000) }} as max_share_of_turns
    from counts
    where unpriced_turns * 1000000 > {{ var('unpriced_turns_max_ppm') }} * all_turns

)

select * from over_the_limit
