{#-
    The values a client- or app-controlled dimension may take in Gold: those a
    reviewer declared (seeds/vocabularies.csv; the price list's model ids) and
    those seen from at least `min_cohort_size` distinct people in everything
    Silver holds (its two years). Any other value reaches Gold as 'other'
    (macros/privacy/vocabulary.sql). A value a few people typed or sent (a name,
    a handle, a hashed id) is never in it; a value many people share is not
    about one of them.
-#}
{% set threshold = var('min_cohort_size') %}

with

declared as (

    select * from {{ ref('vocabularies') }}

),

prices as (

    select * from {{ ref('silver_prices') }}

),

turns as (

    select * from {{ ref('silver_turns') }}

),

users as (

    select * from {{ ref('silver_users') }}

),

requests as (

    select * from {{ ref('silver_requests') }}

),

seen_from_people as (

    -- people: pseudonymous users; in the CDN logs, which carry no user id,
    -- client networks (/24 or /48)
    select
        'route' as dimension,
        route as value,
        count(distinct user_key) as people
    from turns
    group by 1, 2

    union all

    select
        'device_class' as dimension,
        device_class as value,
        count(distinct user_key) as people
    from turns
    group by 1, 2

    union all

    select
        'plan' as dimension,
        plan as value,
        count(distinct user_key) as people
    from users
    group by 1, 2

    union all

    select
        'browser_family' as dimension,
        browser_family as value,
        count(distinct client_network) as people
    from requests
    group by 1, 2

    union all

    select
        'os_family' as dimension,
        os_family as value,
        count(distinct client_network) as people
    from requests
    group by 1, 2

),

vocabulary as (

    select
        dimension,
        value,
        'declared: ' || declared_by as basis
    from declared

    union all

    select distinct
        'model_id' as dimension,
        model_id as value,
        'declared: seeds/pricing.csv' as basis
    from prices

    union all

    select
        dimension,
        value,
        'seen from at least {{ threshold }} people' as basis
    from seen_from_people
    where
        value is not null
        and people >= {{ threshold }}

),

final as (

    -- one row per value: declared wins over seen
    select
        dimension,
        value,
        min(basis) as basis
    from vocabulary
    group by 1, 2

)

select * from final
