"""The Gold tables a BI tool reads, as infra/bi_datasets.json: the QuickSight
datasets of infra/quicksight.tf are made from it, one per table, with its columns.

The list is derived from the models' contracts (models/gold/**.yml: every column
with its data type), so a column added to a Gold model reaches QuickSight with the
next `terraform apply`, and a column that is not in the JSON fails `make infra` and
the tests until the file is written again::

    python -m sage.checks.bi_datasets          # exit status 1 when the file is stale
    python -m sage.checks.bi_datasets --write  # write it again

Partner telemetry tables are left out: each is the partner's own data, delivered to
that partner, and on Athena its files sit in the lake, which the BI role may not read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML, installed with dbt-core

from lakehouse.settings import PROJECT_ROOT

GOLD_MODELS = PROJECT_ROOT / "models" / "gold"
DATASETS_FILE = PROJECT_ROOT / "infra" / "bi_datasets.json"
LEFT_OUT_FOLDERS = {"partners"}

# dbt contract type -> QuickSight input column type (STRING, INTEGER, DECIMAL,
# DATETIME, BIT, BOOLEAN, JSON)
QUICKSIGHT_TYPES = {
    "varchar": "STRING",
    "bigint": "INTEGER",
    "integer": "INTEGER",
    "double": "DECIMAL",
    "date": "DATETIME",
    "timestamp": "DATETIME",
    "boolean": "BOOLEAN",
}


class DatasetError(RuntimeError):
    pass


def quicksight_type(data_type: str, where: str) -> str:
    kind = data_type.strip().lower()
    if kind.startswith("decimal"):
        return "DECIMAL"
    if kind not in QUICKSIGHT_TYPES:
        raise DatasetError(f"{where}: no QuickSight type for the data type {data_type!r}")
    return QUICKSIGHT_TYPES[kind]


def gold_tables(root: Path = GOLD_MODELS) -> dict[str, dict]:
    """Gold relation name -> its dbt model and its typed columns."""
    tables: dict[str, dict] = {}
    for path in sorted(root.rglob("*.yml")):
        if path.parent.name in LEFT_OUT_FOLDERS:
            continue
        document = yaml.safe_load(path.read_text()) or {}
        for model in document.get("models", []):
            where = f"{path.relative_to(PROJECT_ROOT)}, model {model['name']}"
            columns = []
            for column in model.get("columns", []):
                if not column.get("data_type"):
                    raise DatasetError(f"{where}, column {column['name']}: no data_type")
                columns.append(
                    {
                        "name": column["name"],
                        "type": quicksight_type(column["data_type"], where),
                    }
                )
            if not columns:
                raise DatasetError(f"{where}: no columns declared")
            tables[model["name"].removeprefix("gold_")] = {
                "model": model["name"],
                "columns": columns,
            }
    return dict(sorted(tables.items()))


def render(tables: dict[str, dict]) -> str:
    return json.dumps(tables, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write infra/bi_datasets.json")
    args = parser.parse_args(argv)
    try:
        expected = render(gold_tables())
    except DatasetError as exc:
        print(f"bi datasets: {exc}", file=sys.stderr)
        return 1
    where = (
        DATASETS_FILE.relative_to(PROJECT_ROOT)
        if DATASETS_FILE.is_relative_to(PROJECT_ROOT)
        else DATASETS_FILE
    )
    if args.write:
        DATASETS_FILE.write_text(expected)
        print(f"wrote {where}: {len(json.loads(expected))} Gold tables")
        return 0
    if not DATASETS_FILE.exists() or DATASETS_FILE.read_text() != expected:
        print(
            f"{where} does not match the Gold models' contracts: "
            "python -m sage.checks.bi_datasets --write",
            file=sys.stderr,
        )
        return 1
    print(f"{where}: {len(json.loads(expected))} Gold tables, as the contracts declare")
    return 0


if __name__ == "__main__":
    sys.exit(main())
