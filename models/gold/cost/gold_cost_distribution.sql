{#-
    How per-person cost is spread, as counts of people in cost bins that widen as
    they go (per-person cost is heavy-tailed): computed from the restricted
    private_user_cost, published as counts only. The costliest bins are merged
    into one open-ended bin until it holds at least `min_cohort_size` people, and
    any other bin under that size is hidden, with the smallest shown bin hidden
    too when needed so the window's total does not give it away
    (macros/stats/suppress_small_cells.sql).
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
            order by bin_index desc
            rows between unbounded preceding and current row
        ) as users_from_bin_up
    from per_bin

),

tails as (

    -- the lowest bin the open-ended top bin starts at: the highest bin from which
    -- up there are at least the minimum cohort of people
    select
        window_name,
        max(bin_index) as tail_index
    from cumulative
    where users_from_bin_up >= {{ threshold }}
    group by 1

),

merged as (

    select
        per_bin.window_name,
        per_bin.window_start_date,
        per_bin.window_end_date,
        coalesce(tails.tail_index, 0) as tail_index,
        least(per_bin.bin_index, coalesce(tails.tail_index, 0)) as bin_index,
        sum(per_bin.users) as users
    from per_bin
    left join tails on per_bin.window_name = tails.window_name
    group by 1, 2, 3, 4, 5

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
        bins.cost_from_usd,
        case when flagged.bin_index < flagged.tail_index then bins.cost_to_usd end as cost_to_usd,

        -- published numbers: null when suppressed
        cast({{ shown('flagged.users') }} as bigint) as users,
        {{ shown(divide('flagged.users', 'flagged.window_users')) }} as share_of_users,
        {{ shown_total('flagged.window_users') }} as window_users,

        -- suppression
        flagged.is_suppressed,
        flagged.suppression_reason

    from flagged
    inner join bins on flagged.bin_index = bins.bin_index

)

select * from final
