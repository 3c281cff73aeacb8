{#-
    check_rebuild_silver_flags(): an on-run-start hook.

    Silver outlives Bronze (2 years against 90 days), so rebuilding it from
    Bronze drops every older row: it takes both `--full-refresh` and the var
    `rebuild_silver_from_bronze`. The var sets Silver's `full_refresh` config
    (dbt_project.yml), and a model whose `full_refresh` is true is rebuilt on
    any run, flag or not; so a `dbt run` or `dbt build` with the var and no
    `--full-refresh` stops here, before any model is built, and says why.
-#}
{% macro check_rebuild_silver_flags() -%}
    {%- if execute and flags.WHICH in ("run", "build")
        and (var("rebuild_silver_from_bronze", false) | as_bool)
        and not flags.FULL_REFRESH -%}
        {{ exceptions.raise_compiler_error(
            "rebuild_silver_from_bronze rebuilds Silver from Bronze only together with "
            ~ "--full-refresh: dbt " ~ flags.WHICH ~ " --full-refresh --vars "
            ~ "'{rebuild_silver_from_bronze: true}' (sage build --full-refresh --rebuild-silver). "
            ~ "Bronze keeps 90 days: Silver rows older than that are lost. Nothing was built."
        ) }}
    {%- endif -%}

{%- endmacro %}
