{#
    url_path_template(path): a request path or app route with every id-like
    segment replaced by '{id}', so Silver keeps which page or route was asked
    for, never whose conversation or profile it was. A segment is id-like when it
    is

    - a UUID, or a number;
    - a run of 12 or more hex digits (a hashed id, or its first digits);
    - a run of 12 or more base64 or base64url characters that mixes letters and
      digits, or upper- and lower-case letters (an encoded hash or token; a word
      such as 'conversations' or 'invoke-stream' is kept);
    - anything holding an email address ('@', or '%40' still encoded).

    Runs of 12 or more hex digits inside a segment are replaced too
    ('avatar-0123456789abcdef.png' → 'avatar-{id}.png').
    '/api/conversations/6f1c...5b6a/turns/12' becomes
    '/api/conversations/{id}/turns/{id}'. What is left can still be a name the
    client typed ('/u/Jane%20Doe'): Silver keeps it in a restricted column, and
    Gold publishes routes only from a closed vocabulary (macros/privacy/vocabulary.sql).

    Done segment by segment with a lambda on both engines, because the regex
    route needs a back-reference to keep the '/' and the engines spell those
    differently (DuckDB '\2', Trino '$2').
#}
{% macro url_path_template(path) -%}
    {{ return(adapter.dispatch("url_path_template", "innerverse")(path)) }}
{%- endmacro %}

{#- Is `segment` (SQL) id-like? The same test on both engines, through regex_matches(). -#}
{% macro id_like_segment(segment) -%}
    (
        {{ regex_matches(segment, "'^(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9]+|[0-9A-Fa-f]{12,})$'") }}
        or {{ regex_matches(segment, "'@|%40'") }}
        or (
            {{ regex_matches(segment, "'^[A-Za-z0-9+_=-]{12,}$'") }}
            and (
                ({{ regex_matches(segment, "'[0-9]'") }} and {{ regex_matches(segment, "'[A-Za-z]'") }})
                or ({{ regex_matches(segment, "'[a-z]'") }} and {{ regex_matches(segment, "'[A-Z]'") }})
            )
        )
    )
{%- endmacro %}

{% macro default__url_path_template(path) -%}
    array_join(
        transform(
            split({{ path }}, '/'),
            segment -> if(
                {{ id_like_segment('segment') }},
                '{id}',
                regexp_replace(segment, '[0-9A-Fa-f]{12,}', '{id}')
            )
        ),
        '/'
    )
{%- endmacro %}

{% macro duckdb__url_path_template(path) -%}
    array_to_string(
        list_transform(
            string_split({{ path }}, '/'),
            segment -> case
                when {{ id_like_segment('segment') }} then '{id}'
                else regexp_replace(segment, '[0-9A-Fa-f]{12,}', '{id}', 'g')
            end
        ),
        '/'
    )
{%- endmacro %}
