{#
    partner_analytics(): the config of a Gold table of partner telemetry, one
    row per partner, month, day and model (and error code): what a partner's
    monthly bundle is built from.

    Rebuilt whole from Silver on every run (the tables are small: a few rows per
    partner, model and day), so a month deleted after delivery disappears from
    them with its Silver rows. The files are Parquet, partitioned by partner and
    month, in the lake under partner/analytics/<table>/partner_id=P/month=YYYY-MM/:

    - DuckDB: the table lives in the warehouse; `sage build` exports each
      partner-month to that layout (partners/analytics.py).
    - Athena: the table is those files, a Hive table in Parquet whose location
      is that prefix and whose partitions are (partner_id, month), the last two
      columns of the select.
    - Trino: a table in the warehouse, as on DuckDB (the default): partner
      bundles are exported from DuckDB or Athena, and writing the lake's
      partner/analytics/ prefix from a second engine would mix two writers' files.

    Use: {{ config(**partner_analytics()) }}
#}
{% macro partner_analytics() -%}
    {{ return(adapter.dispatch("partner_analytics", "innerverse")()) }}
{%- endmacro %}

{% macro default__partner_analytics() -%}
    {{ return({"materialized": "table", "tags": ["partner"]}) }}
{%- endmacro %}

{% macro athena__partner_analytics() -%}
    {{ return({
        "materialized": "table",
        "tags": ["partner"],
        "table_type": "hive",
        "format": "parquet",
        "partitioned_by": ["partner_id", "month"],
        "force_batch": true,
        "external_location": lake_location("partner/analytics/" ~ generate_alias_name(none, model)),
    }) }}
{%- endmacro %}
