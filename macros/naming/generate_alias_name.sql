{#
    Models are named after their layer (`gold_cost_monthly`) so names are unique
    across the project, but the layer is already the schema: the relation is
    `<schema>_gold.cost_monthly`, which is what BI users and the dashboard query
    (`<schema>_private.user_cost` for the restricted per-person tables).
    An explicit `alias` config still wins.
#}
{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
    {%- if custom_alias_name -%}
        {{ custom_alias_name | trim }}
    {%- elif node.version -%}
        {{ return(node.name ~ "_v" ~ (node.version | replace(".", "_"))) }}
    {%- else -%}
        {%- for prefix in ["bronze_", "silver_", "private_", "gold_"] -%}
            {%- if node.resource_type == "model" and node.name.startswith(prefix) -%}
                {{ return(node.name[prefix | length:]) }}
            {%- endif -%}
        {%- endfor -%}
        {{ node.name }}
    {%- endif -%}
{%- endmacro %}
