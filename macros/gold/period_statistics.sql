{#
    The per-person statistics of one kind of reporting period, each a Gold table
    of its own so that a table never holds overlapping periods (a BI tool summing
    a column of one table never counts a person or a dollar twice):

    - `calendar_month`: gold_cost_monthly, gold_cost_distribution_monthly,
      gold_engagement_monthly, one row (or set of bins) per month, with
      `is_complete_period`;
    - `rolling_30_days`: gold_cost_rolling_30_days,
      gold_cost_distribution_rolling_30_days, gold_engagement_rolling_30_days,
      the 30 days ending on the last complete day;
    - `all_time`: gold_cost_all_time.

    The periods are private_user_cost's (macros/modeling/reporting_periods.sql);
    each macro is the whole body of its models, which differ only in the period.
#}


{#-
    cost_summary_for(period_type): per period, users, turns, total LLM cost and
    the spread of cost per person: average = total / distinct users, with a 95%
    t-interval over per-user cost; maximum and percentiles. In a period of fewer
    than `min_cohort_size` people the per-person statistics are null
    (`is_suppressed`), since over so few they come close to describing one.
-#}
{% macro cost_summary_for(period_type) -%}
    {%- set half_width = t_interval_half_width('sd_cost_per_user_usd', 'users') -%}
    with

    user_cost as (

        select * from {{ ref('private_user_cost') }}
        where period_type = '{{ period_type }}'

    ),

    summary as (

        select
            -- period
            period_start_date,
            period_end_date,
            is_complete_period,

            -- counts
            count(*) as users,
            sum(conversations) as conversations,
            sum(turns) as turns,
            sum(unpriced_turns) as unpriced_turns,

            -- cost per user, USD
            sum(cost_usd) as total_cost_usd,
            {{ divide('sum(cost_usd)', 'count(*)') }} as avg_cost_per_user_usd,
            stddev_samp(cast(cost_usd as double)) as sd_cost_per_user_usd,
            cast(max(cost_usd) as double) as max_cost_per_user_usd,
            {{ percentile('cost_usd', 0.5) }} as p50_cost_per_user_usd,
            {{ percentile('cost_usd', 0.9) }} as p90_cost_per_user_usd,
            {{ percentile('cost_usd', 0.99) }} as p99_cost_per_user_usd,

            -- timestamps
            min(first_turn_at) as first_turn_at,
            max(last_turn_at) as last_turn_at

        from user_cost
        group by 1, 2, 3

    ),

    flagged as (

        select
            summary.*,
            -- a statistic of each person's cost over fewer people than the minimum cohort
            -- comes too close to describing one of them: hidden
            users < {{ var('min_cohort_size') }} as is_suppressed
        from summary

    ),

    final as (

        select
            -- period
            period_start_date,
            period_end_date,
            is_complete_period,

            -- counts
            cast(users as bigint) as users,
            cast(conversations as bigint) as conversations,
            cast(turns as bigint) as turns,
            cast(unpriced_turns as bigint) as unpriced_turns,

            -- cost, USD
            cast(total_cost_usd as decimal(20, 10)) as total_cost_usd,

            -- per-person cost, USD: null when the period has fewer people than the minimum
            {{ shown('avg_cost_per_user_usd') }} as avg_cost_per_user_usd,
            {{ shown('avg_cost_per_user_usd - ' ~ half_width) }} as avg_cost_ci_low_usd,
            {{ shown('avg_cost_per_user_usd + ' ~ half_width) }} as avg_cost_ci_high_usd,
            't-interval (95%) over per-user cost' as avg_cost_ci_method,
            {{ shown('max_cost_per_user_usd') }} as max_cost_per_user_usd,
            {{ shown('p50_cost_per_user_usd') }} as p50_cost_per_user_usd,
            {{ shown('p90_cost_per_user_usd') }} as p90_cost_per_user_usd,
            {{ shown('p99_cost_per_user_usd') }} as p99_cost_per_user_usd,
            is_suppressed,
            case
                when is_suppressed then 'fewer than {{ var("min_cohort_size") }} people'
            end as suppression_reason,

            -- timestamps
            first_turn_at as period_start_at,
            last_turn_at as period_end_at

        from flagged

    )

    select * from final
{%- endmacro %}


{#-
    cost_distribution_for(period_type): how per-person cost is spread, as
    counts of people in cost bins that widen as they go (per-person cost is
    heavy-tailed), per period: computed from the restricted
    private_user_cost, published as counts only. The cheapest bins are merged
    into one until it holds at least `min_cohort_size` people, and so are the
    costliest, into one open-ended bin; any bin between them under that size is
    hidden, with the smallest shown bin hidden too when needed so the period's
    total does not give it away (macros/stats/suppress_small_cells.sql).
-#}
{% macro cost_distribution_for(period_type) -%}
    {%- set edges = [0, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100] %}
    {%- set threshold = var('min_cohort_size') %}

    with

    user_cost as (

        select * from {{ ref('private_user_cost') }}
        where period_type = '{{ period_type }}'

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
            user_cost.period_start_date,
            user_cost.period_end_date,
            user_cost.is_complete_period,
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
                partition by period_start_date
                order by bin_index asc
                rows between unbounded preceding and current row
            ) as users_up_to_bin,
            sum(users) over (
                partition by period_start_date
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
            period_start_date,
            coalesce(min(case when users_up_to_bin >= {{ threshold }} then bin_index end), 0)
                as head_index,
            coalesce(max(case when users_from_bin_up >= {{ threshold }} then bin_index end), 0)
                as tail_index
        from cumulative
        group by 1

    ),

    grouped as (

        select
            per_bin.period_start_date,
            per_bin.period_end_date,
            per_bin.is_complete_period,
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
        inner join ends on per_bin.period_start_date = ends.period_start_date

    ),

    merged as (

        select
            period_start_date,
            period_end_date,
            is_complete_period,
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
            sum(users) over (partition by period_start_date) as period_users,
            {{ suppression_flags(['period_start_date'], 'users', 'bin_index') }}
        from merged

    ),

    final as (

        select
            -- period
            flagged.period_start_date,
            flagged.period_end_date,
            flagged.is_complete_period,

            -- bin: from (inclusive) to (exclusive); the top bin is open-ended
            cast(flagged.bin_index as integer) as bin_index,
            first_bins.cost_from_usd,
            case when not flagged.is_open_ended then last_bins.cost_to_usd end as cost_to_usd,

            -- published numbers: null when suppressed
            cast({{ shown('flagged.users') }} as bigint) as users,
            {{ shown(divide('flagged.users', 'flagged.period_users')) }} as share_of_users,
            {{ shown_total('flagged.period_users') }} as period_users,

            -- suppression
            flagged.is_suppressed,
            flagged.suppression_reason

        from flagged
        inner join bins as first_bins on flagged.first_bin_index = first_bins.bin_index
        inner join bins as last_bins on flagged.last_bin_index = last_bins.bin_index

    )

    select * from final
{%- endmacro %}


{#-
    engagement_for(period_type): per period, conversations per person (a
    t-interval over people) and turns per conversation (a t-interval over
    conversations, and the median), counting the conversations started in the
    period.
-#}
{% macro engagement_for(period_type) -%}
    with

    user_cost as (

        select * from {{ ref('private_user_cost') }}
        where period_type = '{{ period_type }}'

    ),

    turns as (

        select * from {{ ref('silver_turns') }}

    ),

    conversations as (

        -- each conversation with its length, dated by its first turn
        select
            conversation_key,
            min(turn_date) as started_date,
            count(*) as turns
        from turns
        group by 1

    ),

    per_user as (

        select
            period_start_date,
            period_end_date,
            is_complete_period,
            count(*) as users,
            avg(cast(conversations as double)) as conversations_per_user,
            stddev_samp(cast(conversations as double)) as sd_conversations_per_user
        from user_cost
        group by 1, 2, 3

    ),

    per_conversation as (

        -- the conversations started in each period the people are counted over
        select
            per_user.period_start_date,
            count(*) as conversations,
            sum(conversations.turns) as turns,
            avg(cast(conversations.turns as double)) as turns_per_conversation,
            stddev_samp(cast(conversations.turns as double)) as sd_turns_per_conversation,
            {{ percentile('conversations.turns', 0.5) }} as median_turns_per_conversation
        from conversations
        inner join per_user
            on
                conversations.started_date
                between per_user.period_start_date and per_user.period_end_date
        group by 1

    ),

    final as (

        select
            -- period
            per_user.period_start_date,
            per_user.period_end_date,
            per_user.is_complete_period,

            -- sample sizes
            cast(per_user.users as bigint) as users,
            cast(per_conversation.conversations as bigint) as conversations,
            cast(per_conversation.turns as bigint) as turns,

            -- conversations per user, with a t-interval over users
            per_user.conversations_per_user,
            per_user.conversations_per_user
            - {{ t_interval_half_width('per_user.sd_conversations_per_user', 'per_user.users') }}
                as conversations_per_user_ci_low,
            per_user.conversations_per_user
            + {{ t_interval_half_width('per_user.sd_conversations_per_user', 'per_user.users') }}
                as conversations_per_user_ci_high,

            -- turns per conversation, with a t-interval over conversations
            per_conversation.turns_per_conversation,
            per_conversation.turns_per_conversation
            - {{ t_interval_half_width(
                'per_conversation.sd_turns_per_conversation', 'per_conversation.conversations'
            ) }}
                as turns_per_conversation_ci_low,
            per_conversation.turns_per_conversation
            + {{ t_interval_half_width(
                'per_conversation.sd_turns_per_conversation', 'per_conversation.conversations'
            ) }}
                as turns_per_conversation_ci_high,
            per_conversation.median_turns_per_conversation,
            't-interval (95%)' as ci_method

        from per_user
        inner join per_conversation
            on per_user.period_start_date = per_conversation.period_start_date

    )

    select * from final
{%- endmacro %}
