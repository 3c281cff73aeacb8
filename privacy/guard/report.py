"""What the guard reports: a check, a table's result, the whole report as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from privacy.rules import Allowlist

DEFAULT_MAX_ROWS = 1_000_000
REPORT_VERSION = 1


class GuardError(RuntimeError):
    """The guard could not run (no warehouse, no tables); not a finding."""


@dataclass
class Check:
    table: str
    column: str | None
    kind: str | None
    rule: str
    success: bool
    failing_rows: int | None = None
    example: str | None = None  # masked
    detail: str | None = None
    expectation: str | None = None


@dataclass
class TableResult:
    layer: str
    name: str
    relation: str
    allowlisted: bool
    rows_total: int
    rows_checked: int
    sampled: bool
    checks: list[Check] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def success(self) -> bool:
        return all(check.success for check in self.checks)


@dataclass
class GuardReport:
    generated_at: str
    target: str
    warehouse: str
    allowlist_file: str
    allowlist_sha256: str
    max_rows: int
    patterns: dict[str, str]
    kinds: dict[str, dict[str, Any]]
    tables: list[TableResult] = field(default_factory=list)
    declarations: list[Check] = field(default_factory=list)  # checks of the allow-list itself
    bronze_source_ids: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def checks(self) -> list[Check]:
        return [check for table in self.tables for check in table.checks] + self.declarations

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.success]

    @property
    def success(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable report (``--report``); the partner certificate reads it."""
        return {
            "report": "privacy-guard",
            "version": REPORT_VERSION,
            "generated_at": self.generated_at,
            "success": self.success,
            "engine": "great_expectations (pandas)",
            "target": self.target,
            "warehouse": self.warehouse,
            "allowlist": {"file": self.allowlist_file, "sha256": self.allowlist_sha256},
            "max_rows": self.max_rows,
            "summary": {
                "tables": len(self.tables),
                "tables_failed": sum(not table.success for table in self.tables),
                "tables_sampled": sum(table.sampled for table in self.tables),
                "rows_total": sum(table.rows_total for table in self.tables),
                "rows_checked": sum(table.rows_checked for table in self.tables),
                "checks": len(self.checks),
                "checks_failed": len(self.failures),
                "bronze_source_ids_compared": self.bronze_source_ids,
            },
            "rules": self.patterns,
            "kinds": self.kinds,
            "tables": [
                {
                    "layer": table.layer,
                    "table": table.name,
                    "relation": table.relation,
                    "allowlisted": table.allowlisted,
                    "rows_total": table.rows_total,
                    "rows_checked": table.rows_checked,
                    "sampled": table.sampled,
                    "sample": (
                        f"reservoir sample of {table.rows_checked:,} of {table.rows_total:,} rows"
                        if table.sampled
                        else None
                    ),
                    "success": table.success,
                    "checks": [_check_dict(check) for check in table.checks],
                }
                for table in self.tables
            ],
            "declarations": [_check_dict(check) for check in self.declarations],
            "failures": [_check_dict(check) for check in self.failures],
            "notes": self.notes,
        }

    @classmethod
    def start(cls, rules: Allowlist, *, target: str, warehouse: str, max_rows: int) -> GuardReport:
        """An empty report of a run now, against ``rules``."""
        return cls(
            generated_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            target=target,
            warehouse=warehouse,
            allowlist_file=str(rules.file.relative_to(rules.file.parents[2])),
            allowlist_sha256=rules.sha256,
            max_rows=max_rows,
            patterns=dict(rules.patterns),
            kinds={name: asdict(kind) for name, kind in rules.kinds.items()},
        )

    def write(self, path: str | Path) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_dict(), indent=2) + "\n")


def _check_dict(check: Check) -> dict[str, Any]:
    return {key: value for key, value in asdict(check).items() if key != "table"} | {
        "table": check.table
    }
