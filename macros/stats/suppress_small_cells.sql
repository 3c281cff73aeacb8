{#
    Small-cell suppression for published counts: no cell describes fewer than
    `var('min_cohort_size')` (50) people, and no hidden cell can be recovered by
    subtracting the shown cells from a shown total.

    suppression_flags(group_by, people): for a relation with one row per cell,
    where the cells of each group (`group_by`, e.g. the month and the
    dimension) partition that group's people and the group's total is shown,
    renders two columns:

    - `is_suppressed`: the cell is hidden;
    - `suppression_reason`: 'fewer than 50 people' (primary), 'protects a
      smaller cell' (complementary), or null.

    Rules: a cell under the threshold is hidden (primary). When exactly one
    cell of a group is hidden, total minus the others would reveal it, so the
    smallest cell still shown is hidden too (complementary). When the whole
    group is under the threshold, every cell is hidden. Callers null out the
    hidden cells' numbers with `shown(column)`.
#}
{% macro suppression_flags(group_by, people) -%}
    {%- set threshold = var("min_cohort_size") -%}
    {%- set partition = group_by | join(", ") -%}
    {%- set primary = "(" ~ people ~ " < " ~ threshold ~ ")" -%}
    {%- set primary_in_group = "sum(case when " ~ primary ~ " then 1 else 0 end) over (partition by " ~ partition ~ ")" -%}
    {%- set group_total = "sum(" ~ people ~ ") over (partition by " ~ partition ~ ")" -%}
    {%- set rank_among_shown = "row_number() over (partition by " ~ partition ~ " order by case when " ~ primary ~ " then 1 else 0 end, " ~ people ~ ", 1)" -%}
    case
        when {{ group_total }} < {{ threshold }} then true
        when {{ primary }} then true
        when {{ primary_in_group }} = 1 and {{ rank_among_shown }} = 1 then true
        else false
    end as is_suppressed,
    case
        when {{ group_total }} < {{ threshold }} or {{ primary }} then 'fewer than {{ threshold }} people'
        when {{ primary_in_group }} = 1 and {{ rank_among_shown }} = 1 then 'protects a smaller cell'
    end as suppression_reason
{%- endmacro %}


{#- A cell's number, or null when the cell is suppressed. -#}
{% macro shown(column) -%}
    case when not is_suppressed then {{ column }} end
{%- endmacro %}
