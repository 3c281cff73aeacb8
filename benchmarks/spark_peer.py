"""The peer users would otherwise pick: the raw turn files to the cost summary on Spark.

Run by the build benchmark with the interpreter of its own virtual environment
(``.venv-spark``, which ``make bench`` makes; PySpark from PyPI, on the machine's
Java 17), in ``local[2]``: both cores of this machine, as the project's DuckDB
uses them. It does the work of the project's path from Bronze to
``gold_cost_all_time``'s row, the way a Spark user would write it:

1. the NDJSON.gz files read with an explicit schema (no inference pass);
2. each event's first copy kept (a window over ``event_id`` by ``received_at``);
3. each turn priced with the row of ``seeds/pricing.csv`` valid at its time
   (from inclusive, to exclusive), in whole picodollars as the project does, so
   the totals can be compared to the cent;
4. summed per user, then users, turns, total, average, maximum and the exact
   p50, p90 and p99 of per-user cost (``percentile``, interpolated like DuckDB's).

``python benchmarks/spark_peer.py FILES_GLOB PRICING_CSV OUT_JSON`` writes the summary.
"""

from __future__ import annotations

import json
import sys
import time


def main(files: str, pricing: str) -> dict:
    from pyspark.sql import SparkSession, Window
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    started = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("innerverse-cost-peer")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    schema = T.StructType(
        [
            T.StructField("event_id", T.StringType()),
            T.StructField("event_at", T.TimestampType()),
            T.StructField("received_at", T.TimestampType()),
            T.StructField("model_id", T.StringType()),
            T.StructField("uid", T.StringType()),
            T.StructField("cid", T.StringType()),
            T.StructField("tokens_in", T.LongType()),
            T.StructField("tokens_out", T.LongType()),
            T.StructField("tokens_cache_read", T.LongType()),
            T.StructField("tokens_cache_write", T.LongType()),
        ]
    )
    turns = spark.read.schema(schema).json(
        files, timestampFormat="yyyy-MM-dd'T'HH:mm:ss.SSSX", recursiveFileLookup=False
    )
    first = Window.partitionBy("event_id").orderBy("received_at")
    turns = turns.withColumn("copy", F.row_number().over(first)).where("copy = 1").drop("copy")

    prices = (
        spark.read.option("header", True)
        .csv(pricing)
        .select(
            "model_id",
            F.to_timestamp("effective_from").alias("valid_from"),
            F.to_timestamp("effective_to").alias("valid_to"),
            # rates in micro-dollars per million tokens: tokens x rate = picodollars
            *[
                F.round(F.col(f"{rate}_usd_per_mtok").cast("decimal(12,6)") * 1_000_000)
                .cast("long")
                .alias(rate)
                for rate in ("input", "output", "cache_read", "cache_write")
            ],
        )
    )
    valid = (
        (turns.model_id == prices.model_id)
        & (turns.event_at >= prices.valid_from)
        & (turns.event_at < F.coalesce(prices.valid_to, F.lit("9999-12-31").cast("timestamp")))
    )
    costed = turns.join(F.broadcast(prices), valid, "left").select(
        turns.uid,
        turns.cid,
        F.coalesce(
            turns.tokens_in * prices.input
            + turns.tokens_out * prices.output
            + F.coalesce(turns.tokens_cache_read, F.lit(0)) * prices.cache_read
            + F.coalesce(turns.tokens_cache_write, F.lit(0)) * prices.cache_write,
            F.lit(0),
        ).alias("picodollars"),
    )
    per_user = costed.groupBy("uid").agg(
        F.count("*").alias("turns"),
        (F.sum("picodollars").cast("decimal(38,0)") / F.lit(10**12)).alias("cost_usd"),
    )
    row = per_user.agg(
        F.count("*").alias("users"),
        F.sum("turns").alias("turns"),
        F.sum("cost_usd").alias("total_cost_usd"),
        F.max("cost_usd").alias("max_cost_per_user_usd"),
        F.expr("percentile(cast(cost_usd as double), 0.5)").alias("p50"),
        F.expr("percentile(cast(cost_usd as double), 0.9)").alias("p90"),
        F.expr("percentile(cast(cost_usd as double), 0.99)").alias("p99"),
    ).collect()[0]
    spark.stop()
    users = int(row["users"])
    total = float(row["total_cost_usd"])
    return {
        "users": users,
        "turns": int(row["turns"]),
        "total_cost_usd": round(total, 2),
        "avg_cost_per_user_usd": round(total / users, 6),
        "max_cost_per_user_usd": round(float(row["max_cost_per_user_usd"]), 6),
        "p50_cost_per_user_usd": round(row["p50"], 6),
        "p90_cost_per_user_usd": round(row["p90"], 6),
        "p99_cost_per_user_usd": round(row["p99"], 6),
        "seconds_inside": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    with open(sys.argv[3], "w") as handle:
        json.dump(main(sys.argv[1], sys.argv[2]), handle)
