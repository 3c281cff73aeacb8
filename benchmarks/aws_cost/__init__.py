"""What the warehouse costs per month on AWS, computed from a sample's real sizes.

    python -m benchmarks.aws_cost [--daily-users 1000] [--users 1000 --days 30 --seed 7]

It generates a sample with ``sage generate`` (every source the generator
writes), ingests it into a lake, builds the warehouse with dbt on DuckDB, and
measures, per source: raw bytes, files and records (what Firehose delivers),
Bronze and quarantine bytes and objects, ingest CPU time; per Silver and Gold
table: its size as Parquet (zstd, as Athena writes Iceberg). The sample's
daily users are counted in Silver (distinct users with a turn, per day); every
volume is scaled from them to ``--daily-users`` and priced with PRICES (prices.py).

What is assumed rather than measured is stated in the report: the dashboard's
query count, Firehose's buffering, and where each source's raw data comes from.
Storage is shown for the first month and at steady state, once each layer holds
its full retention (raw and Bronze 90 days, Silver 2 years; Gold grows like
Silver, an upper bound).

measure.py measures the sample, prices.py turns it into a bill, report.py writes
the report; `make aws-cost` runs it.
"""
