"""The PII guard: a Great Expectations checkpoint over every Silver, private and Gold table.

For each table the warehouse's catalog lists, the guard loads the rows into
pandas (a reservoir sample when the table has more than ``max_rows``, and the
report says so), builds an expectation suite from the allow-list
(``macros/privacy/allowlist.sql``) and runs it as a checkpoint:

- the table's columns are exactly the ones the allow-list declares for it
  (``allowlist``): a column or a table nobody reviewed fails;
- every text value passes its kind's rules: no email, phone number, IPv4 or
  IPv6 address, UUID, long hex id or free text in a code column; pseudonyms are
  64 lower-case hex (``format``) and never equal an id as Bronze holds it
  (``source_id``); networks are /24 or /48 truncations, never addresses; a
  hashed id in hex (12 digits or more) or in base64 (16 bytes or more) sits in
  no column but a key (``hex_id``, ``base64_id``);
- a Gold table has no key and no open-vocabulary column (``person_key``): Gold
  publishes aggregates, never a person;
- a column declared as a number, boolean, timestamp or date holds one (``type``):
  text smuggled into a rating column fails here, and its values are checked
  against the code rules too, so the report says what the text looks like.

Validation results never leave this module with a raw value in them: every
example is masked (:func:`privacy.rules.mask`). The same rules run as dbt tests
over the full tables in SQL (``data-tests/privacy/``).

report.py holds the report model, bronze_ids.py the ids Bronze holds, loading.py how a
table is read, suite.py the Great Expectations suite, run.py the runs themselves.
"""
