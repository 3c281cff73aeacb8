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
    Landing once: a redelivered line has the same event_id, and Silver keeps the
    copy landed first (smallest received_at). `bronze` is a select statement
    (Bronze with the incremental window's filter); it is read twice and never
    held: on DuckDB a CTE read twice is materialised, and ten million wide rows
    spill out of a laptop's memory, which made a first build at that size four
    times slower than reading the files.

    arrivals(bronze, id_columns): one pass over Bronze for what has to be known
    before any row is kept, in one aggregate: the first arrival of every event
    landed more than once (rows with an event_id; duplicates are rare, so this
    is small), and each distinct value of the id columns (rows without one), for
    pseudonym_map() to key once each.

    first_copies(bronze, arrivals): the second pass, as a subquery: every row of
    `bronze` but the later copies of a repeated event. Two copies landed in the
    same millisecond would both be kept, and the unique test on event_id would
    say so; the ingest drops copies within a run, so it takes two ingest
    processes landing the same record at the same instant.
#}
{% macro arrivals(bronze, id_columns=[]) -%}
    select
        event_id,
        {%- for column in id_columns %}
        {{ column }},
        {%- endfor %}
        min(received_at) as first_received_at
    from ({{ bronze }}) as bronze
    group by grouping sets (
        (event_id){% for column in id_columns %}, ({{ column }}){% endfor %}
    )
    -- events landed more than once; every id (its rows carry no event_id)
    having count(*) > 1 or event_id is null
{%- endmacro %}


{% macro first_copies(bronze, arrivals) -%}
    (
        select copies.*
        from ({{ bronze }}) as copies
        left join {{ arrivals }} as repeated
            on copies.event_id = repeated.event_id
        where
            repeated.event_id is null
            or copies.received_at = repeated.first_received_at
    ) as first_copies
{%- endmacro %}
