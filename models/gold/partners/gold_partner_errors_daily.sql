{{ config(**partner_analytics()) }}

{#- Read where it is used, not in a CTE: DuckDB holds a CTE used twice in memory whole. -#}
{% set telemetry = ref('silver_partner_telemetry') %}

with

model_days as (

    select
        partner_id,
        occurred_date,
        model_id,
        count(*) as events
    from {{ telemetry }}
    group by 1, 2, 3

),

errors as (

    select
        partner_id,
        occurred_date,
        model_id,
        error_code,
        count(*) as errors
    from {{ telemetry }}
    where status = 'error'
    group by 1, 2, 3, 4

),

final as (

    select
        -- dimensions
        errors.occurred_date as event_date,
        errors.model_id,
        errors.error_code,

        -- measures
        cast(errors.errors as bigint) as errors,
        cast(model_days.events as bigint) as events,
        {{ divide('errors.errors', 'model_days.events') }} as error_rate,

        -- partitions
        errors.partner_id,
        substr({{ date_text('errors.occurred_date') }}, 1, 7) as month

    from errors
    inner join model_days
        on
            errors.partner_id = model_days.partner_id
            and errors.occurred_date = model_days.occurred_date
            and errors.model_id = model_days.model_id

)

select * from final
