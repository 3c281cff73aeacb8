{#
    url_path_template(path): a request path with every id segment replaced by
    ':id', so Silver keeps which page was asked for, never whose conversation it
    was. An id segment is a UUID, a hex string of 16 or more characters, or a
    number: '/api/conversations/6f1c...5b6a/turns/12' becomes
    '/api/conversations/:id/turns/:id'.

    Done segment by segment with a lambda on both engines, because the regex
    route needs a back-reference to keep the '/' and the engines spell those
    differently (DuckDB '\2', Trino '$2').
#}
{% macro url_path_template(path) -%}
    {{ return(adapter.dispatch("url_path_template", "innerverse")(path)) }}
{%- endmacro %}

{% macro id_segment_pattern() -%}
    {{ return("^([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{16,}|[0-9]+)$") }}
{%- endmacro %}

{% macro default__url_path_template(path) -%}
    array_join(
        transform(split({{ path }}, '/'), segment -> if(regexp_like(segment, '{{ id_segment_pattern() }}'), ':id', segment)),
        '/'
    )
{%- endmacro %}

{% macro duckdb__url_path_template(path) -%}
    array_to_string(
        list_transform(
            string_split({{ path }}, '/'),
            segment -> case when regexp_matches(segment, '{{ id_segment_pattern() }}') then ':id' else segment end
        ),
        '/'
    )
{%- endmacro %}
