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


{#
    first_copy_per_event(relation): one row per event_id, the copy landed first
    (smallest received_at), as a subquery.

    A join on each event's first arrival rather than row_number(): on DuckDB the
    window over tens of millions of wide rows does not spill to disk and runs
    out of a laptop's memory, while the aggregate and the join do. Two copies of
    an event landed in the same millisecond would both be kept, and the unique
    test on event_id would say so; the ingest drops copies within a run, so it
    takes two ingest processes landing the same record at the same instant.
#}
{% macro first_copy_per_event(relation) -%}
    (
        select copies.*
        from {{ relation }} as copies
        inner join (
            select
                event_id,
                min(received_at) as first_received_at
            from {{ relation }}
            group by 1
        ) as arrivals
            on
                copies.event_id = arrivals.event_id
                and copies.received_at = arrivals.first_received_at
    ) as first_copies
{%- endmacro %}
