{#
    small_cells_hidden(group_by, count_column): the published table keeps the
    small-cell rule. Returns the offending rows:

    - a shown cell counting fewer than `min_cohort_size` people;
    - a suppressed cell whose count is not null;
    - a group of several cells with exactly one hidden, which subtraction from
      the group's total would reveal.
#}
{% test small_cells_hidden(model, group_by, count_column) %}

with

cells as (

    select
        {{ group_by | join(", ") }},
        {{ count_column }} as people,
        is_suppressed,
        count(*) over (partition by {{ group_by | join(", ") }}) as cells_in_group,
        sum(case when is_suppressed then 1 else 0 end) over (partition by {{ group_by | join(", ") }})
            as hidden_in_group
    from {{ model }}

)

select *
from cells
where
    (not is_suppressed and people < {{ var("min_cohort_size") }})
    or (is_suppressed and people is not null)
    or (cells_in_group > 1 and hidden_in_group = 1)

{% endtest %}
