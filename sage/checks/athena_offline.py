"""Every SQL statement the project sends to Athena, produced without an AWS account.

dbt's Athena adapter calls AWS even to compile: STS for the account id of the
Glue catalog, Glue to ask whether a model's table exists (which decides
``is_incremental()``), and Athena itself for the queries macros run
(``run_query``). moto's server stands in for those APIs on 127.0.0.1, so the
real adapter, the real macros and the real ``run-operation`` run unchanged:

1. ``dbt compile --target athena`` with an empty catalog: the SQL of a first
   build (or ``--full-refresh``) of every model, data test and analysis.
2. The tables of the incremental models registered in the stand-in Glue
   catalog, then those models compiled again: the SQL of an incremental run.
3. ``dbt run-operation create_lake_tables``: the Bronze DDL.

Every query that reached the stand-in Athena API on the way (the DDL, and the
queries macros ran while compiling) is collected too, labelled by the node or
operation that sent it, from dbt's query comment. moto does not execute SQL, so
queries return no rows; a macro that reads a table sees it empty.

What this cannot produce is the SQL dbt-athena's materialisations write around a
model (``create table ... with (...) as``, ``merge into``): that needs query
results no stand-in can give. Their inputs are checked instead (model configs,
see tests/athena/test_model_configs.py).
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lakehouse.dbt import run_dbt
from lakehouse.settings import PROJECT_ROOT, Settings

REGION = "us-east-1"
# Where the stand-in lake is: any s3:// URL; the external tables' LOCATION names it.
LAKE_URL = "s3://innerverse-lake"
_QUERY_COMMENT = re.compile(r"/\*\s*(\{.*?\})\s*\*/", re.DOTALL)


@dataclass(frozen=True)
class Statement:
    """One piece of SQL for Athena and where it came from (for messages)."""

    origin: str  # e.g. "model silver_turns (incremental run)"
    sql: str
    unique_id: str = ""  # the dbt node, when there is one
    table_type: str = ""  # hive / iceberg, for models materialised as tables


@dataclass(frozen=True)
class AthenaSql:
    statements: list[Statement]
    manifest: dict  # dbt's manifest.json of the Athena compile

    def models(self) -> list[dict]:
        return [
            node
            for node in self.manifest["nodes"].values()
            if node["resource_type"] == "model" and node["package_name"] == "innerverse"
        ]


@contextlib.contextmanager
def offline_aws() -> Iterator[str]:
    """moto's server on a free local port, and the AWS environment pointing at it.

    Credentials are dummies, the machine's AWS config files are hidden, and the
    environment is restored afterwards.
    """
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # moto keeps its state per process, not per server: start from an empty account.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    missing = os.path.join(os.sep, "nonexistent", "aws")
    values = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": missing,
        "AWS_SHARED_CREDENTIALS_FILE": missing,
    }
    previous = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            _set_env(key, value)
        _prepare_account()
        yield endpoint
    finally:
        for key, value in previous.items():
            _set_env(key, value)
        server.stop()


def _set_env(key: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


def _bucket(url: str) -> str:
    return url.removeprefix("s3://").split("/", 1)[0]


def _prepare_account() -> None:
    """The workgroup and buckets the athena target of profiles.example.yml names."""
    import boto3

    staging = os.environ.get("SAGE_ATHENA_S3_STAGING_DIR", "s3://innerverse-athena-results/dbt/")
    silver = os.environ.get("SAGE_ATHENA_S3_DATA_DIR", "s3://innerverse-silver/tables/")
    gold = os.environ.get("SAGE_ATHENA_GOLD_DATA_DIR", "s3://innerverse-gold/tables/")
    s3 = boto3.client("s3")
    for bucket in {_bucket(staging), _bucket(silver), _bucket(gold), _bucket(LAKE_URL)}:
        s3.create_bucket(Bucket=bucket)
    boto3.client("athena").create_work_group(
        Name=os.environ.get("SAGE_ATHENA_WORKGROUP", "innerverse"),
        Configuration={"ResultConfiguration": {"OutputLocation": staging}},
    )


def macro_cases() -> list[dict[str, str | None]]:
    """The macro test cases (seeds/macro_cases.csv) as the test reads the seed: offline
    there is no warehouse to read them from, so they are given as a var."""
    with (PROJECT_ROOT / "seeds" / "macro_cases.csv").open(newline="", encoding="utf-8") as handle:
        return [
            {name: value if value != "" else None for name, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def compile_for_athena(target_path: Path) -> AthenaSql:
    """Compile the project for Athena offline; ``target_path`` receives dbt's artefacts."""
    settings = Settings.from_env(lake=LAKE_URL, target="athena")
    common = [
        "--target-path", str(target_path), "--no-populate-cache",
        "--vars", json.dumps({"macro_cases": macro_cases()}),
    ]  # fmt: skip
    sent = _SentQueries()
    with offline_aws():
        result = run_dbt(["compile", *common], settings, quiet=True)
        manifest = json.loads((target_path / "manifest.json").read_text())
        statements = _compiled(result, manifest, "first build")
        statements += sent.since_last("dbt compile")

        incremental = [
            node
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
        ]
        if incremental:
            _register_tables(incremental)
            # A selector, not names: dbt prints the SQL of models selected by name.
            selection = ["--select", "config.materialized:incremental"]
            result = run_dbt(["compile", *common, *selection], settings, quiet=True)
            statements += [
                statement
                for statement in _compiled(result, manifest, "incremental run")
                if manifest["nodes"][statement.unique_id]["config"]["materialized"] == "incremental"
            ]
            statements += sent.since_last("dbt compile of an incremental run")

        # With replace, the operation issues every statement it has: drop and create.
        run_dbt(
            ["run-operation", "create_lake_tables", "--args", "{replace: true}",
             "--target-path", str(target_path)],
            settings,
            quiet=True,
        )  # fmt: skip
        statements += sent.since_last("dbt run-operation create_lake_tables")
    return AthenaSql(statements, manifest)


def _compiled(result, manifest: dict, label: str) -> list[Statement]:
    statements = []
    for run_result in result.result.results:
        node = run_result.node
        if not getattr(node, "compiled_code", None):
            continue
        config = manifest["nodes"][node.unique_id]["config"]
        table_type = config.get("table_type", "hive") if config["materialized"] in (
            "table", "incremental"
        ) else ""  # fmt: skip
        statements.append(
            Statement(
                f"{node.resource_type} {node.name} ({label})",
                node.compiled_code,
                node.unique_id,
                table_type,
            )
        )
    return statements


def _register_tables(models: list[dict]) -> None:
    """Make the stand-in Glue catalog hold the models' tables, as after a first build."""
    import boto3

    glue = boto3.client("glue")
    for schema in sorted({node["schema"] for node in models}):
        with contextlib.suppress(glue.exceptions.AlreadyExistsException):
            glue.create_database(DatabaseInput={"Name": schema})
    for node in models:
        table_type = node["config"].get("table_type", "hive").upper()
        glue.create_table(
            DatabaseName=node["schema"],
            TableInput={
                "Name": node["alias"],
                "TableType": "EXTERNAL_TABLE",
                "Parameters": {"table_type": table_type} if table_type == "ICEBERG" else {},
                "StorageDescriptor": {"Columns": []},
            },
        )


class _SentQueries:
    """The queries the stand-in Athena API received, step by step.

    Each is labelled by dbt's query comment (the node or operation that sent it);
    dbt-athena sends some DDL without the comment, which gets the step's name.
    """

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def since_last(self, step: str) -> list[Statement]:
        import boto3

        athena = boto3.client("athena")
        statements = []
        for execution_id in athena.list_query_executions()["QueryExecutionIds"]:
            if execution_id in self.seen:
                continue
            self.seen.add(execution_id)
            execution = athena.get_query_execution(QueryExecutionId=execution_id)
            query = execution["QueryExecution"]["Query"]
            sender = step
            comment = _QUERY_COMMENT.search(query)
            if comment:
                header = json.loads(comment.group(1))
                sender = header.get("node_id") or header.get("connection_name") or step
            statements.append(Statement(f"query sent to Athena by {sender}", query))
        return statements
