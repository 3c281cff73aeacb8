{#
    crisis_rank(level) / crisis_level_of_rank(rank): crisis levels in order,
    so a person's highest level in a period can be taken with max() and named
    again: none 0, low 1, medium 2, high 3.
#}
{% macro crisis_rank(level) -%}
    case {{ level }} when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end
{%- endmacro %}

{% macro crisis_level_of_rank(rank) -%}
    case {{ rank }} when 3 then 'high' when 2 then 'medium' when 1 then 'low' else 'none' end
{%- endmacro %}


{#-
    people_by_highest_level(observations, period, period_column): each person
    counted once per period, at the highest crisis level observed for them, so
    the levels split the period's people (small-cell suppression needs that). A
    subquery with (period_column, crisis_level, users).
-#}
{% macro people_by_highest_level(observations, period, period_column) -%}
    (
        select
            {{ period_column }},
            {{ crisis_level_of_rank('highest_rank') }} as crisis_level,
            count(*) as users
        from (
            select
                {{ period_start(period, 'observed_date') }} as {{ period_column }},
                user_key,
                max({{ crisis_rank('crisis_level') }}) as highest_rank
            from {{ observations }}
            group by 1, 2
        ) as per_user
        group by 1, 2
    )
{%- endmacro %}
