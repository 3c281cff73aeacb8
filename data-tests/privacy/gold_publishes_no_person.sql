-- Gold publishes no person: no Gold model has a key of a restricted table (a
-- pseudonym, an event id, a client network), a column the allow-list declares as a
-- key or an open vocabulary, or a grain unique per person (a uniqueness test over
-- such a column). Tables with a row per person belong in the private layer
-- (models/private/). Read from the project's declarations, so it fails before any
-- row is published; `sage guard` checks the built tables the same way.

{{ config(tags=["privacy"]) }}

{{ gold_person_findings() }}
