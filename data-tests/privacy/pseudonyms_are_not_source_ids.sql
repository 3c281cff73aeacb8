-- No pseudonym in Silver, the private layer or Gold equals an id as Bronze holds it
-- (the app's unkeyed sha256): that would be an unkeyed id past Bronze. The allow-list
-- declares which columns hold pseudonyms and where Bronze keeps the ids
-- (macros/privacy/allowlist.sql; the rule is described in macros/privacy/guard.sql).
-- One test for every layer, so the raw files behind Bronze are read once. `sage guard`
-- runs the same rule. In the `person_level` group: it reads the restricted tables.

{{ config(tags=["privacy"], group="person_level") }}

{{ privacy_source_id_findings(["silver", "private", "gold"]) }}
