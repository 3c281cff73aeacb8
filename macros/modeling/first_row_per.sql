{#
    first_row_per(relation, partition_by, order_by): the first row of each
    group, as a subquery: de-duplication (first copy of an event_id) and
    latest state (newest change of an item). Portable SQL: Athena has no
    QUALIFY. The rank column `row_rank` is left for the caller to drop when it
    lists its columns.
#}
{% macro first_row_per(relation, partition_by, order_by) -%}
    (
        select
            *,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as row_rank
        from {{ relation }}
    ) as ranked
    where row_rank = 1
{%- endmacro %}
