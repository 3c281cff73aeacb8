with

user_cost as (

    select * from {{ ref('private_user_cost') }}

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

windows as (

    {{ reporting_windows('conversations', 'started_date') }}

),

per_user as (

    select
        window_name,
        window_start_date,
        window_end_date,
        count(*) as users,
        avg(cast(conversations as double)) as conversations_per_user,
        stddev_samp(cast(conversations as double)) as sd_conversations_per_user
    from user_cost
    group by 1, 2, 3

),

per_conversation as (

    select
        windows.window_name,
        count(*) as conversations,
        sum(conversations.turns) as turns,
        avg(cast(conversations.turns as double)) as turns_per_conversation,
        stddev_samp(cast(conversations.turns as double)) as sd_turns_per_conversation,
        {{ percentile('conversations.turns', 0.5) }} as median_turns_per_conversation
    from conversations
    inner join windows
        on conversations.started_date between windows.window_start_date and windows.window_end_date
    group by 1

),

final as (

    select
        -- window
        per_user.window_name,
        per_user.window_start_date,
        per_user.window_end_date,

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
    inner join per_conversation on per_user.window_name = per_conversation.window_name

)

select * from final
