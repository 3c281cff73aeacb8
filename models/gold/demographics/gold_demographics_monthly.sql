with

user_days as (

    select * from {{ ref('private_user_daily_activity') }}

),

users as (

    select * from {{ ref('silver_users') }}

),

requests as (

    select * from {{ ref('silver_requests') }}

),

user_month_devices as (

    select
        {{ period_start('month', 'activity_date') }} as month_start,
        user_key,
        device_class,
        sum(turns) as turns
    from user_days
    group by 1, 2, 3

),

active_users as (

    -- each user active in a month, with the device they used most that month
    select
        month_start,
        user_key,
        device_class
    from {{ first_row_per(
        'user_month_devices', 'month_start, user_key', 'turns desc, device_class asc'
    ) }}

),

people_cells as (

    select
        active_users.month_start,
        dimension.name as dimension,
        -- each value closed to its vocabulary (macros/privacy/vocabulary.sql): a
        -- value outside it is 'other', a missing one 'unknown'
        coalesce(
            case dimension.name
                when 'country' then {{ closed_value('country', 'users.country_code') }}
                when 'age band' then {{ closed_value('age_band', 'users.age_band') }}
                when 'plan' then {{ closed_value('plan', 'users.plan') }}
                when 'device class'
                    then {{ closed_value('device_class', 'active_users.device_class') }}
            end,
            'unknown'
        ) as value,
        'users' as unit,
        active_users.user_key as person
    from active_users
    left join users on active_users.user_key = users.user_key
    cross join (
        select 'country' as name
        union all select 'age band'
        union all select 'plan'
        union all select 'device class'
    ) as dimension

),

network_cells as (

    -- The CDN logs carry no user id: browsers and systems are counted in client
    -- networks (/24 or /48) that used the app, not in people.
    select
        {{ period_start('month', 'request_date') }} as month_start,
        dimension.name as dimension,
        coalesce(
            case dimension.name
                when 'browser' then {{ closed_value('browser_family', 'browser_family') }}
                else {{ closed_value('os_family', 'os_family') }}
            end,
            'unknown'
        ) as value,
        'client networks' as unit,
        client_network as person
    from requests
    cross join (select 'browser' as name union all select 'operating system') as dimension
    where
        not is_bot
        and site like 'app.%'

),

cells as (

    select
        month_start,
        dimension,
        value,
        unit,
        count(distinct person) as people
    from (
        select * from people_cells
        union all
        select * from network_cells
    ) as all_cells
    group by 1, 2, 3, 4

),

flagged as (

    select
        cells.*,
        sum(people) over (partition by month_start, dimension) as group_people,
        {{ suppression_flags(['month_start', 'dimension'], 'people', 'value') }}
    from cells

),

final as (

    select
        -- cell
        month_start,
        dimension,
        value,
        unit,

        -- published numbers: null when suppressed
        cast({{ shown('people') }} as bigint) as people,
        {{ shown(divide('people', 'group_people')) }} as share_of_group,
        {{ shown('share_ci_low') }} as share_ci_low,
        {{ shown('share_ci_high') }} as share_ci_high,
        'Wilson score (95%)' as share_ci_method,
        {{ shown_total('group_people') }} as group_people,

        -- suppression
        is_suppressed,
        suppression_reason

    from (
        select
            flagged.*,
            {{ wilson_interval('people', 'group_people', 'share') }}
        from flagged
    ) as with_intervals

)

select * from final
