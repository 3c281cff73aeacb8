{#
    age_band(birth_year, at): the age band a person was in at a moment, from
    their birth year ('18-24', ... '65+'), or null. Computed at a fixed moment
    (sign-up), so a rebuild next year gives the same band; Silver keeps the
    band, never the year.
#}
{% macro age_band(birth_year, at) -%}
    case
        when {{ birth_year }} is null then null
        when extract(year from {{ at }}) - {{ birth_year }} < 13 then null
        when extract(year from {{ at }}) - {{ birth_year }} < 18 then '13-17'
        when extract(year from {{ at }}) - {{ birth_year }} < 25 then '18-24'
        when extract(year from {{ at }}) - {{ birth_year }} < 35 then '25-34'
        when extract(year from {{ at }}) - {{ birth_year }} < 45 then '35-44'
        when extract(year from {{ at }}) - {{ birth_year }} < 55 then '45-54'
        when extract(year from {{ at }}) - {{ birth_year }} < 65 then '55-64'
        else '65+'
    end
{%- endmacro %}
