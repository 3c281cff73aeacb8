{#
    Small-cell suppression for published counts: no cell describes fewer than
    `var('min_cohort_size')` (50) people, and nothing under that size can be
    recovered by subtracting the shown cells from a shown total.

    suppression_flags(group_by, people, tiebreak): for a relation with one row
    per cell, where the cells of each group (`group_by`, e.g. the month and the
    dimension) split that group's people, renders two columns:

    - `is_suppressed`: the cell is hidden;
    - `suppression_reason`: 'fewer than 50 people' (primary), 'protects a
      smaller cell' (complementary), or null.

    Rules: a cell under the threshold is hidden (primary). Then, while the
    hidden cells of a group add up to fewer people than the threshold, the
    smallest cell still shown is hidden too (complementary): the total minus the
    shown cells, which anyone can compute, then describes at least 50 people,
    and so does every shown cell. A group under the threshold is hidden whole.
    `tiebreak` orders cells of equal size, so the choice is repeatable. Callers
    null out the hidden cells' numbers with `shown(column)`.
#}
{% macro suppression_flags(group_by, people, tiebreak) -%}
    {%- set threshold = var("min_cohort_size") -%}
    {%- set partition = group_by | join(", ") -%}
    {%- set primary = "(" ~ people ~ " < " ~ threshold ~ ")" -%}
    {%- set has_primary = "max(case when " ~ primary ~ " then 1 else 0 end) over (partition by " ~ partition ~ ")" -%}
    {%- set hidden_before -%}
        coalesce(sum({{ people }}) over (
            partition by {{ partition }}
            order by case when {{ primary }} then 0 else 1 end, {{ people }}, {{ tiebreak }}
            rows between unbounded preceding and 1 preceding
        ), 0)
    {%- endset -%}
    case
        when {{ primary }} then true
        when {{ has_primary }} = 1 and {{ hidden_before }} < {{ threshold }} then true
        else false
    end as is_suppressed,
    case
        when {{ primary }} then 'fewer than {{ threshold }} people'
        when {{ has_primary }} = 1 and {{ hidden_before }} < {{ threshold }} then 'protects a smaller cell'
    end as suppression_reason
{%- endmacro %}


{#- A cell's number, or null when the cell is suppressed. -#}
{% macro shown(column) -%}
    case when not is_suppressed then {{ column }} end
{%- endmacro %}


{#- A group's total, or null when the group itself is under the minimum cohort. -#}
{% macro shown_total(column) -%}
    cast(case when {{ column }} >= {{ var("min_cohort_size") }} then {{ column }} end as bigint)
{%- endmacro %}
