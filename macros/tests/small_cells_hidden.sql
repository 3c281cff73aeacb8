{#
    small_cells_hidden(group_by, count_column, total_column=none): the
    published table keeps the small-cell rule. Returns the offending rows:

    - a shown cell counting fewer than `min_cohort_size` people;
    - a suppressed cell whose count is not null;
    - a group of several cells with exactly one hidden;
    - with `total_column` (the group's published total): a group whose hidden
      cells, recoverable as the total minus the shown cells, add up to fewer
      than `min_cohort_size` people.
#}
{% test small_cells_hidden(model, group_by, count_column, total_column=none) %}

with

cells as (

    select
        {{ group_by | join(", ") }},
        {{ count_column }} as people,
        is_suppressed,
        count(*) over (partition by {{ group_by | join(", ") }}) as cells_in_group,
        sum(case when is_suppressed then 1 else 0 end) over (partition by {{ group_by | join(", ") }})
            as hidden_in_group,
        {%- if total_column %}
        max({{ total_column }}) over (partition by {{ group_by | join(", ") }})
        - sum(coalesce({{ count_column }}, 0)) over (partition by {{ group_by | join(", ") }})
            as recoverable_hidden
        {%- else %}
        null as recoverable_hidden
        {%- endif %}
    from {{ model }}

)

select *
from cells
where
    (not is_suppressed and people < {{ var("min_cohort_size") }})
    or (is_suppressed and people is not null)
    or (cells_in_group > 1 and hidden_in_group = 1)
    or (recoverable_hidden > 0 and recoverable_hidden < {{ var("min_cohort_size") }})

{% endtest %}
