{#
    contiguous_validity_periods(partition_by, id_column, from_column, to_column):
    within each partition (a model's rows of the price list), the validity periods
    [from, to) run forwards, do not overlap, leave no gap between one row and the
    next, and only the latest row is open-ended (null `to`). Fails with one row per
    broken rule: the row's id, the rule, and the other row involved.

    The same rules, with the same names, as pricing/validate.py, which `sage build`
    runs before dbt and which also names the CSV line; this test makes a plain
    `dbt build` fail on them too.
#}
{% test contiguous_validity_periods(model, partition_by, id_column, from_column, to_column) %}

with

periods as (

    select
        {{ partition_by }} as partition_value,
        {{ id_column }} as row_id,
        {{ from_column }} as valid_from,
        {{ to_column }} as valid_to
    from {{ model }}

),

backwards as (

    select
        partition_value,
        row_id,
        'effective_from_before_effective_to' as rule,
        cast(null as {{ dbt.type_string() }}) as other_row_id
    from periods
    where valid_to <= valid_from

),

forwards as (

    select * from periods
    where valid_to is null or valid_to > valid_from

),

overlapping as (

    {#- Reported on the row that starts later. An open-ended row overlapping rows
        that start after it is reported once, as not being the latest. #}
    select
        later_row.partition_value,
        later_row.row_id,
        'periods_do_not_overlap' as rule,
        earlier_row.row_id as other_row_id
    from forwards as earlier_row
    inner join forwards as later_row
        on
            earlier_row.partition_value = later_row.partition_value
            and (
                earlier_row.valid_from < later_row.valid_from
                or (
                    earlier_row.valid_from = later_row.valid_from
                    and earlier_row.row_id < later_row.row_id
                )
            )
            and (earlier_row.valid_to is null or later_row.valid_from < earlier_row.valid_to)
    where not (earlier_row.valid_to is null and later_row.valid_from > earlier_row.valid_from)

),

open_ended_not_latest as (

    select
        open_row.partition_value,
        open_row.row_id,
        'open_ended_row_is_latest' as rule,
        min(later_row.row_id) as other_row_id
    from forwards as open_row
    inner join forwards as later_row
        on
            open_row.partition_value = later_row.partition_value
            and later_row.valid_from > open_row.valid_from
    where open_row.valid_to is null
    group by 1, 2

),

sequenced as (

    select
        partition_value,
        row_id,
        valid_from,
        lag(row_id) over (
            partition by partition_value order by valid_from, row_id
        ) as previous_row_id,
        {#- The latest end among the rows before this one; an open end counts as the
            far future, so nothing after an open-ended row is a gap. #}
        max(coalesce(valid_to, cast('9999-12-31' as date))) over (
            partition by partition_value order by valid_from, row_id
            rows between unbounded preceding and 1 preceding
        ) as covered_until
    from forwards

),

gaps as (

    select
        partition_value,
        row_id,
        'no_gap_between_periods' as rule,
        previous_row_id as other_row_id
    from sequenced
    where valid_from > covered_until

),

broken as (

    select * from backwards
    union all
    select * from overlapping
    union all
    select * from open_ended_not_latest
    union all
    select * from gaps

)

select
    row_id as {{ id_column }},
    partition_value as {{ partition_by }},
    rule,
    other_row_id as other_{{ id_column }}
from broken

{% endtest %}
