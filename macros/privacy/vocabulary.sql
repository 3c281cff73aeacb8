{#
    Closed vocabularies: what Gold publishes of a dimension a client or the app
    controls (a route, a model id, a user-agent family, a plan, a country...).

    closed_value(dimension, expression): the value when it is in the dimension's
    vocabulary (private_vocabularies: declared in seeds/vocabularies.csv or the
    price list, or seen from at least `min_cohort_size` people), null when it is
    null, 'unknown' as it is, and 'other' for anything else. A name, a handle or a hashed id that
    reached Silver in such a column becomes 'other' on its way to Gold.

    The vocabulary is read with an IN subquery, which both engines run as a
    semi-join against a table of a few hundred rows.
#}
{% macro closed_value(dimension, expression) -%}
    case
        when {{ expression }} is null then null
        -- the warehouse's own word for a value that was missing
        when {{ expression }} = 'unknown' then {{ expression }}
        when {{ expression }} in (
            select vocabulary.value
            from {{ ref('private_vocabularies') }} as vocabulary
            where vocabulary.dimension = '{{ dimension }}'
        ) then {{ expression }}
        else 'other'
    end
{%- endmacro %}


{#
    in_vocabulary: a Gold column holds only values of its closed vocabulary,
    'other' or 'unknown'. `dimension` names the vocabulary; for a table of
    several dimensions in one column, `dimension_column` names the column that
    says which, and `dimensions` maps its values to vocabularies. A failing row
    shows each stray value masked (first character and length), never the value.
#}
{% test in_vocabulary(model, column_name, dimension=none, dimension_column=none, dimensions=none) %}
    {%- if dimension is none and (dimension_column is none or dimensions is none) -%}
        {{ exceptions.raise_compiler_error(
            "in_vocabulary on " ~ model ~ "." ~ column_name
            ~ ": give `dimension`, or `dimension_column` and `dimensions`"
        ) }}
    {%- endif -%}
    {%- if dimension is not none -%}
        {%- set vocabulary_of_row = "'" ~ dimension ~ "'" -%}
    {%- else -%}
        {%- set branches = [] -%}
        {%- for label, name in dimensions.items() -%}
            {%- do branches.append("when '" ~ label ~ "' then '" ~ name ~ "'") -%}
        {%- endfor -%}
        {%- set vocabulary_of_row = "case " ~ dimension_column ~ " " ~ branches | join(" ") ~ " end" -%}
    {%- endif %}

with

published as (

    select
        {{ vocabulary_of_row }} as vocabulary_dimension,
        {{ column_name }} as value
    from {{ model }}
    where {{ column_name }} is not null and {{ column_name }} not in ('other', 'unknown')

),

vocabulary as (

    select * from {{ ref('private_vocabularies') }}

)

select
    published.vocabulary_dimension,
    {{ privacy_masked('published.value') }} as masked_value,
    count(*) as rows_with_value
from published
left join vocabulary
    on
        published.vocabulary_dimension = vocabulary.dimension
        and published.value = vocabulary.value
where vocabulary.value is null
group by 1, 2
{% endtest %}
