"""The ground floor: services every other package builds on.

The lake (a local folder or S3) and its NDJSON.gz files, the settings, warehouse
access, the dbt runner, the audit log, the demo switch and the console helpers,
and Bronze's columnar days: the lake tables as declared (tables.py), the daily
rollup (rollup.py, handler.py) and the Parquet files it writes (columnar.py).
Nothing here imports a package above it (the contracts in pyproject.toml).
"""
