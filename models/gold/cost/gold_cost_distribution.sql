{#-
    How per-person cost is spread, as counts of people in cost bins that widen as
    they go (per-person cost is heavy-tailed): computed from the restricted
    private_user_cost, published as counts only. The cheapest bins are merged
    into one until it holds at least `min_cohort_size` people, and so are the
    costliest, into one open-ended bin; any bin between them under that size is
    hidden, with the smallest shown bin hidden too when needed so the window's
    total does not give it away (macros/stats/suppress_small_cells.sql).
-#}
{% set edges = [0, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100] %}
{% set threshold = var('min_cohort_size') %}

with

user_cost as (

    select * from {{ ref('private_user_cost') }}

),

bins as (

    {% for low in edges %}
        select
            {{ loop.index0 }} as bin_index,
            cast({{ low }} as decimal(20, 10)) as cost_from_usd,
            {% if loop.last -%}
                cast(null as decimal(20, 10)) as cost_to_usd
            {%- else -%}
                cast({{ edges[loop.index] }} as decimal(20, 10)) as cost_to_usd
            {%- endif %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

per_bin as (

    select
        user_cost.window_name,
        user_cost.window_start_date,
        user_cost.window_end_date,
        bins.bin_index,
        count(*) as users
    from user_cost
    inner join bins
        on
            user_cost.cost_usd >= bins.cost_from_usd
            and (bins.cost_to_usd is null or user_cost.cost_usd < bins.cost_to_usd)
    group by 1, 2, 3, 4

),

cumulative as (

    select
        per_bin.*,
        sum(users) over (
            partition by window_name
            order by bin_index asc
            rows between unbounded preceding and current row
        ) as users_up_to_bin,
        sum(users) over (
            partition by window_name
            order by bin_index desc
            rows between unbounded preceding and current row
        ) as users_from_bin_up
    from per_bin

),

ends as (

    -- where the cheapest bins stop being merged (the first bin by which at least the
    -- minimum cohort of people is reached) and where the costliest start (the last
    -- bin from which up there are at least that many)
    select
        window_name,
        coalesce(min(case when users_up_to_bin >= {{ threshold }} then bin_index end), 0)
            as head_index,
        coalesce(max(case when users_from_bin_up >= {{ threshold }} then bin_index end), 0)
            as tail_index
    from cumulative
    group by 1

),

grouped as (

    select
        per_bin.window_name,
        per_bin.window_start_date,
        per_bin.window_end_date,
        per_bin.bin_index,
        per_bin.users,
        ends.tail_index <= ends.head_index as is_one_bin,
        case
            when ends.tail_index <= ends.head_index then 0
            when per_bin.bin_index <= ends.head_index then 0
            when per_bin.bin_index >= ends.tail_index then ends.tail_index
            else per_bin.bin_index
        end as group_index,
        ends.tail_index
    from per_bin
    inner join ends on per_bin.window_name = ends.window_name

),

merged as (

    select
        window_name,
        window_start_date,
        window_end_date,
        group_index as bin_index,
        min(bin_index) as first_bin_index,
        max(bin_index) as last_bin_index,
        bool_or(is_one_bin or group_index = tail_index) as is_open_ended,
        sum(users) as users
    from grouped
    group by 1, 2, 3, 4

),

flagged as (

    select
        merged.*,
        sum(users) over (partition by window_name) as window_users,
        {{ suppression_flags(['window_name'], 'users', 'bin_index') }}
    from merged

),

final as (

    select
        -- window
        flagged.window_name,
        flagged.window_start_date,
        flagged.window_end_date,

        -- bin: from (inclusive) to (exclusive); the top bin is open-ended
        cast(flagged.bin_index as integer) as bin_index,
        first_bins.cost_from_usd,
        case when not flagged.is_open_ended then last_bins.cost_to_usd end as cost_to_usd,

        -- published numbers: null when suppressed
        cast({{ shown('flagged.users') }} as bigint) as users,
        {{ shown(divide('flagged.users', 'flagged.window_users')) }} as share_of_users,
        {{ shown_total('flagged.window_users') }} as window_users,

        -- suppression
        flagged.is_suppressed,
        flagged.suppression_reason

    from flagged
    inner join bins as first_bins on flagged.first_bin_index = first_bins.bin_index
    inner join bins as last_bins on flagged.last_bin_index = last_bins.bin_index

)

select * from final
