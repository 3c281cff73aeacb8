"""A local Trino: the engine Athena (engine version 3) is built on, run on this machine.

``install`` fetches Trino's server and the two connectors the warehouse needs from
Maven Central into a cache outside the clone, checks their checksums and unpacks
them; ``server`` configures and starts it over a local lake (the Hive connector
for the lake's NDJSON, the Iceberg connector for everything dbt builds, both on
one file metastore). The test suite builds the project on it and compares Gold
with DuckDB's; ``sage trino serve`` runs one for ``dbt build --target trino``.
"""
