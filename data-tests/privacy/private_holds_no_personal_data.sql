-- The PII guard's rules over every row of every private (per-person) table, and the
-- private layer's columns against the allow-list (macros/privacy/allowlist.sql; the
-- rules are described in macros/privacy/guard.sql). One row per broken rule, with a
-- masked example. `sage guard` runs the same rules with Great Expectations. In the
-- `person_level` group: it reads the restricted tables.

{{ config(tags=["privacy"], group="person_level") }}

{{ privacy_findings("private") }}
