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
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lakehouse.settings import Settings
from lakehouse.warehouse import Warehouse, WarehouseError, open_warehouse
from privacy.catalog import Table, identifier, layer_tables
from privacy.rules import (
    LAYERS,
    PUBLISHED_LAYER,
    RESTRICTED_LAYERS,
    Allowlist,
    Kind,
    allowlist,
    mask,
)

DEFAULT_MAX_ROWS = 1_000_000
SAMPLE_SEED = 7
REPORT_VERSION = 1
# Stands in for an empty set of ids (GX needs one value); no column value can equal it.
NOT_AN_ID = "(no Bronze id among this column's values)"
NOT_A_MATCH = "(no value of this column breaks the rule)"
PATTERNS_RULE = "patterns"  # all of a kind's forbidden patterns, as one expectation

# pandas dtypes each declared family may load as (DuckDB's and PyAthena's conversions),
# as GX's type-list expectation names them.
_SIZES = {"int": (8, 16, 32, 64), "uint": (8, 16, 32, 64), "float": (32, 64)}
_NULLABLE = {"int": "Int", "uint": "UInt", "float": "Float"}  # pandas' nullable dtypes
_DATETIMES = [f"datetime64[{unit}]" for unit in ("s", "ms", "us", "ns")]
PANDAS_TYPES = {
    "number": [
        *(f"{kind}{bits}" for kind, sizes in _SIZES.items() for bits in sizes),
        *(f"{_NULLABLE[kind]}{bits}" for kind, sizes in _SIZES.items() for bits in sizes),
        *(f"{_NULLABLE[kind]}{bits}Dtype" for kind, sizes in _SIZES.items() for bits in sizes),
        "int",
        "float",
    ],
    "boolean": ["bool", "boolean", "BooleanDtype"],
    "timestamp": [*_DATETIMES, "DatetimeTZDtype"],
    "date": _DATETIMES,
}


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

    def write(self, path: str | Path) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_dict(), indent=2) + "\n")


def _check_dict(check: Check) -> dict[str, Any]:
    return {key: value for key, value in asdict(check).items() if key != "table"} | {
        "table": check.table
    }


def _relation_of_model(model: str) -> str:
    """``bronze_lambda_emf`` → ``lambda_emf``, as macros/naming/generate_alias_name.sql
    names a model's relation."""
    return model.partition("_")[2]


def bronze_source_ids(
    warehouse: Warehouse, settings: Settings, rules: Allowlist
) -> tuple[set[str], list[Check]]:
    """Every id Bronze holds in the app's unkeyed form, and checks that the allow-list
    names every Bronze column that holds such ids (``source_*_id``)."""
    bronze = layer_tables(warehouse, settings, "bronze")
    checks: list[Check] = []
    selects: list[str] = []
    declared: set[tuple[str, str]] = set()
    for model, columns in sorted(rules.bronze_source_ids.items()):
        name = _relation_of_model(model)
        table = bronze.get(name)
        for column in columns:
            declared.add((name, column))
            if table is None or table.column(column) is None:
                checks.append(
                    Check(
                        f"bronze.{name}",
                        column,
                        None,
                        "source_ids_declared",
                        False,
                        detail=f"the allow-list's bronze_source_ids names {model}.{column}, "
                        "which the warehouse does not have",
                    )
                )
                continue
            selects.append(f"select {identifier(column)} as source_id from {table.relation}")
    for table in bronze.values():
        for found in table.columns:
            if (
                found.name.startswith("source_")
                and found.name.endswith("_id")
                and (table.name, found.name) not in declared
            ):
                checks.append(
                    Check(
                        f"bronze.{table.name}",
                        found.name,
                        None,
                        "source_ids_declared",
                        False,
                        detail=f"bronze.{table.name}.{found.name} holds source ids but is not in "
                        "the allow-list's bronze_source_ids: pseudonyms are not compared with it",
                    )
                )
    if not selects:
        return set(), checks
    rows = warehouse.query(
        "select distinct source_id from ("
        + " union all ".join(selects)
        + ") as ids where source_id is not null"
    )
    return {str(row["source_id"]) for row in rows}, checks


def _load(warehouse: Warehouse, settings: Settings, table: Table, rules: Allowlist, max_rows: int):
    """(frame, rows in the table, sampled?) for one table."""
    total = int(warehouse.query(f"select count(*) as n from {table.relation}")[0]["n"])
    sampled = total > max_rows
    if settings.target == "athena":
        # PyAthena hands back Python objects: arrays as text, decimals as Decimal, dates
        # as date; turn them into what DuckDB's pandas conversion gives.
        selects = []
        for column in table.columns:
            family, name = rules.type_family(column.type), identifier(column.name)
            if family == "list":
                selects.append(f"json_format(cast({name} as json)) as {name}")
            elif family == "number":
                selects.append(f"cast({name} as double) as {name}")
            elif family in ("date", "timestamp"):
                selects.append(f"cast({name} as timestamp) as {name}")
            else:
                selects.append(name)
        sql = f"select {', '.join(selects)} from {table.relation}"
        if sampled:
            percent = min(100.0, 110.0 * max_rows / total)
            sql += f" tablesample bernoulli ({percent:.6f}) limit {max_rows}"
        frame = warehouse.dataframe(sql)
        import pandas as pd

        for column in table.columns:
            family = rules.type_family(column.type)
            if family == "list":
                frame[column.name] = frame[column.name].map(
                    lambda text: json.loads(text) if isinstance(text, str) else text
                )
            elif family in ("date", "timestamp"):
                frame[column.name] = pd.to_datetime(frame[column.name])
    else:
        sql = f"select * from {table.relation}"
        if sampled:
            sql += f" using sample reservoir({max_rows} rows) repeatable ({SAMPLE_SEED})"
        frame = warehouse.dataframe(sql)
    return frame, total, sampled


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    return context, context.data_sources.add_pandas("warehouse")


@dataclass
class _Planned:
    expectation: Any
    column: str | None
    kind: str | None
    rule: str
    patterns: tuple[str, ...] = ()


class _Suite:
    """The expectations for one frame, with what each one means for the report."""

    def __init__(self) -> None:
        self.planned: list[_Planned] = []

    def add(
        self,
        expectation,
        column: str | None,
        kind: str | None,
        rule: str,
        patterns: tuple[str, ...] = (),
    ) -> None:
        self.planned.append(_Planned(expectation, column, kind, rule, patterns))


def _text_rules(
    suite: _Suite,
    column: str,
    kind: Kind,
    rules: Allowlist,
    source_ids: set[str],
    frame,
    *,
    one_per_rule: bool = False,
) -> None:
    """The expectations of a text kind. The forbidden patterns are one expectation
    (a regex list) unless ``one_per_rule``: GX's cost is per expectation, and a column
    that fails it is checked again rule by rule to say which rule it breaks."""
    import great_expectations as gx

    expressions = tuple(rule for rule in kind.forbid if rules.rules[rule].is_regex)
    if expressions and not one_per_rule:
        suite.add(
            gx.expectations.ExpectColumnValuesToNotMatchRegexList(
                column=column, regex_list=[rules.patterns[rule] for rule in expressions]
            ),
            column,
            kind.name,
            PATTERNS_RULE,
            expressions,
        )
    if not one_per_rule:
        # A rule that is not one regular expression (a hashed id in base64) is found
        # in Python over the column's distinct values; GX counts the rows holding them.
        distinct = None
        for rule in kind.forbid:
            if rules.rules[rule].is_regex:
                continue
            if distinct is None:
                distinct = frame[column].dropna().astype(str).unique()
            found = sorted(value for value in distinct if rules.rules[rule].search(value))
            suite.add(
                gx.expectations.ExpectColumnValuesToNotBeInSet(
                    column=column, value_set=found or [NOT_A_MATCH]
                ),
                column,
                kind.name,
                rule,
            )
    for rule in expressions if one_per_rule else ():
        suite.add(
            gx.expectations.ExpectColumnValuesToNotMatchRegex(
                column=column, regex=rules.patterns[rule]
            ),
            column,
            kind.name,
            rule,
        )
    if one_per_rule:
        return
    if kind.format:
        suite.add(
            gx.expectations.ExpectColumnValuesToMatchRegex(column=column, regex=kind.format),
            column,
            kind.name,
            "format",
        )
    if kind.not_a_source_id and source_ids:
        # "No value is a Bronze id" is "no value is one of the Bronze ids among this
        # column's values": the same check with a set of the column's size at most
        # (usually empty), instead of every id Bronze holds.
        present = source_ids.intersection(frame[column].dropna().astype(str))
        suite.add(
            gx.expectations.ExpectColumnValuesToNotBeInSet(
                column=column, value_set=sorted(present) or [NOT_AN_ID]
            ),
            column,
            kind.name,
            "source_id",
        )


def _run(context, source, label: str, frame, suite: _Suite, checks: list[Check]) -> None:
    """One checkpoint: the suite over the frame; its results become masked checks."""
    import great_expectations as gx

    if not suite.planned:
        return
    asset = source.add_dataframe_asset(label)
    batch = asset.add_batch_definition_whole_dataframe("whole table")
    for number, planned in enumerate(suite.planned):
        planned.expectation.meta = {"check": number}
    # Built whole, then added once: adding expectations one by one to a stored suite
    # re-serialises the suite each time.
    expectation_suite = context.suites.add(
        gx.ExpectationSuite(
            name=f"privacy {label}",
            expectations=[planned.expectation for planned in suite.planned],
        )
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"privacy {label}", data=batch, suite=expectation_suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=f"privacy guard {label}",
            validation_definitions=[definition],
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": 1},
        )
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    table_label = label.split("[", 1)[0].split(" ", 1)[0]
    for run in result.run_results.values():
        for outcome in run.results:
            planned = suite.planned[outcome.expectation_config.meta["check"]]
            checks.append(_check_from(outcome, planned, table_label))


def _check_from(outcome, planned: _Planned, table: str) -> Check:
    result = outcome.result or {}
    check = Check(
        table=table,
        column=planned.column,
        kind=planned.kind,
        rule=planned.rule,
        success=bool(outcome.success),
        expectation=outcome.expectation_config.type,
    )
    if planned.rule == "allowlist":
        mismatched = (result.get("details") or {}).get("mismatched") or {}
        unexpected = sorted(mismatched.get("unexpected") or [])
        missing = sorted(mismatched.get("missing") or [])
        check.failing_rows = len(unexpected) + len(missing)
        parts = []
        if unexpected:
            parts.append("not in the allow-list: " + ", ".join(unexpected))
        if missing:
            parts.append("listed but not built: " + ", ".join(missing))
        check.detail = "; ".join(parts) or None
    elif "unexpected_count" in result:
        check.failing_rows = int(result["unexpected_count"] or 0)
        examples = result.get("partial_unexpected_list") or []
        if examples and not check.success:
            check.example = mask(examples[0])
    elif planned.rule == "type":
        observed = result.get("observed_value")
        check.detail = f"holds {observed}" if observed and not check.success else None
    if planned.rule == PATTERNS_RULE:
        check.detail = "forbids " + ", ".join(planned.patterns)
    info = outcome.exception_info or {}
    if info.get("raised_exception"):
        check.success = False
        check.detail = f"could not be checked: {info.get('exception_message')}"
    return check


def validate_table(
    context, source, table: Table, frame, rules: Allowlist, source_ids: set[str]
) -> list[Check]:
    import great_expectations as gx

    declared = rules.table(table.layer, table.name)
    allowed = declared.columns if declared else {}
    suite = _Suite()
    suite.add(
        gx.expectations.ExpectTableColumnsToMatchSet(column_set=sorted(allowed), exact_match=True),
        None,
        None,
        "allowlist",
    )
    code = rules.kind("code")
    text_kinds: dict[str, Kind] = {}
    list_kinds: dict[str, Kind] = {}
    for column in table.columns:
        family = rules.type_family(column.type)
        kind = rules.kind(allowed[column.name]) if column.name in allowed else None
        if kind is not None and not kind.is_text:
            suite.add(
                gx.expectations.ExpectColumnValuesToBeInTypeList(
                    column=column.name, type_list=PANDAS_TYPES[kind.type]
                ),
                column.name,
                kind.name,
                "type",
            )
        # Text where the allow-list expects something else (or nothing) is checked as
        # a code, so the report says what it looks like.
        if family == "text":
            text_kinds[column.name] = kind if kind is not None and kind.type == "text" else code
            _text_rules(suite, column.name, text_kinds[column.name], rules, source_ids, frame)
        elif family == "list":
            list_kinds[column.name] = kind if kind is not None and kind.type == "list" else code
    checks = _run_and_explain(context, source, table.label, frame, suite, text_kinds, rules)
    if table.layer == PUBLISHED_LAYER:
        checks += person_key_checks(table, rules)

    # A list column is checked element by element: one row per element, a checkpoint
    # of its own.
    for name, kind in list_kinds.items():
        elements = frame[[name]].explode(name).dropna().astype({name: str})
        element_suite = _Suite()
        _text_rules(element_suite, name, kind, rules, source_ids, elements)
        checks += _run_and_explain(
            context, source, f"{table.label}[{name}]", elements, element_suite, {name: kind}, rules
        )
    # Findings carry the kind the allow-list declares (text in a number column is
    # checked as a code, but reported as the number column it is).
    for check in checks:
        if check.column is not None:
            check.kind = allowed.get(check.column, "unlisted")
    return checks


def person_key_checks(table: Table, rules: Allowlist) -> list[Check]:
    """Gold publishes no person: a column that is a key (a pseudonym, an event id, a
    network) or an open vocabulary, by its declared kind or by the name restricted
    tables give such a key, fails. One passing check when there is none."""
    declared = rules.table(table.layer, table.name)
    allowed = declared.columns if declared else {}
    keys = rules.key_columns()
    checks = []
    for column in table.columns:
        kind = rules.kinds.get(allowed.get(column.name, ""))
        if column.name in keys or (kind is not None and not kind.publishable):
            checks.append(
                Check(
                    table.label,
                    column.name,
                    allowed.get(column.name),
                    "person_key",
                    False,
                    detail="Gold holds aggregates only: a key or an unclosed value has no place "
                    "in it (keep it in the private layer)",
                )
            )
    return checks or [Check(table.label, None, None, "person_key", True)]


def _run_and_explain(
    context, source, label: str, frame, suite: _Suite, kinds: dict[str, Kind], rules: Allowlist
) -> list[Check]:
    """Run the suite; a column that fails its forbidden patterns is run again with one
    expectation per pattern, whose results replace the combined one."""
    checks: list[Check] = []
    _run(context, source, label, frame, suite, checks)
    failing = [c for c in checks if c.rule == PATTERNS_RULE and not c.success]
    if not failing:
        return checks
    per_rule = _Suite()
    for check in failing:
        column = check.column or ""
        _text_rules(per_rule, column, kinds[column], rules, set(), frame, one_per_rule=True)
    detailed: list[Check] = []
    _run(context, source, f"{label} by rule", frame, per_rule, detailed)
    return [c for c in checks if c not in failing] + detailed


def run_guard(
    settings: Settings,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    rules: Allowlist | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> GuardReport:
    """Check every Silver, private and Gold table of the warehouse; raises GuardError if there is
    nothing to check."""
    rules = rules or allowlist()
    if max_rows < 1:
        raise GuardError("--max-rows must be at least 1")
    report = GuardReport(
        generated_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        target=settings.target,
        warehouse=(
            f"Athena, schemas {settings.schema}_silver, _private and _gold"
            if settings.target == "athena"
            else settings.warehouse
        ),
        allowlist_file=str(rules.file.relative_to(rules.file.parents[2])),
        allowlist_sha256=rules.sha256,
        max_rows=max_rows,
        patterns=dict(rules.patterns),
        kinds={name: asdict(kind) for name, kind in rules.kinds.items()},
    )
    try:
        with open_warehouse(settings) as warehouse:
            tables = {layer: layer_tables(warehouse, settings, layer) for layer in LAYERS}
            if not any(tables.values()):
                raise GuardError(
                    f"the warehouse ({report.warehouse}) has no Silver, private or Gold tables: "
                    "run `sage build` first"
                )
            source_ids, report.declarations = bronze_source_ids(warehouse, settings, rules)
            report.bronze_source_ids = len(source_ids)
            if not source_ids:
                report.notes.append(
                    "Bronze holds no source ids: pseudonyms were not compared with any"
                )
            context, source = _context()
            total_tables = sum(len(found) for found in tables.values())
            for layer in LAYERS:
                for name, table in tables[layer].items():
                    if progress:
                        progress(len(report.tables), total_tables, table.label)
                    frame, total, sampled = _load(warehouse, settings, table, rules, max_rows)
                    result = TableResult(
                        layer,
                        name,
                        table.relation,
                        allowlisted=rules.table(layer, name) is not None,
                        rows_total=total,
                        rows_checked=len(frame),
                        sampled=sampled,
                    )
                    result.checks = validate_table(context, source, table, frame, rules, source_ids)
                    report.tables.append(result)
                for name in sorted(set(rules.tables.get(layer, {})) - set(tables[layer])):
                    report.notes.append(
                        f"{layer}.{name} is in the allow-list but not built in this warehouse"
                    )
    except WarehouseError as exc:
        raise GuardError(str(exc)) from None
    return report


def guard_frames(
    frames: list[tuple[Table, Any]], *, source: str, rules: Allowlist | None = None
) -> GuardReport:
    """The same checks over data that is not in the warehouse: each ``(table, frame)``
    is checked whole against the allow-list's entry for ``table``. The partner
    certificate runs it over exactly the Parquet files of a bundle (``source``
    names them in the report). Nothing is compared with Bronze's ids: the tables
    it is for hold no pseudonyms."""
    rules = rules or allowlist()
    report = GuardReport(
        generated_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        target="files",
        warehouse=source,
        allowlist_file=str(rules.file.relative_to(rules.file.parents[2])),
        allowlist_sha256=rules.sha256,
        max_rows=max((len(frame) for _, frame in frames), default=0),
        patterns=dict(rules.patterns),
        kinds={name: asdict(kind) for name, kind in rules.kinds.items()},
    )
    context, data_source = _context()
    for table, frame in frames:
        result = TableResult(
            table.layer,
            table.name,
            table.relation,
            allowlisted=rules.table(table.layer, table.name) is not None,
            rows_total=len(frame),
            rows_checked=len(frame),
            sampled=False,
        )
        result.checks = validate_table(context, data_source, table, frame, rules, set())
        report.tables.append(result)
    return report


def proposal(settings: Settings, rules: Allowlist | None = None) -> str:
    """Allow-list entries (YAML) for every built table or column not yet listed, with a
    suggested kind, for a reviewer to check and paste into the allow-list."""
    rules = rules or allowlist()
    lines: list[str] = []
    try:
        with open_warehouse(settings) as warehouse:
            for layer in LAYERS:
                for name, table in layer_tables(warehouse, settings, layer).items():
                    declared = rules.table(layer, name)
                    missing = [
                        column
                        for column in table.columns
                        if declared is None or column.name not in declared.columns
                    ]
                    if not missing:
                        continue
                    lines.append(f"# {layer}.{name}" + ("" if declared else " (new table)"))
                    lines.append(f"    {name}:")
                    if declared is None and layer in RESTRICTED_LAYERS:
                        lines.append("      retention: <date column, or keep>")
                    lines.append("      columns:")
                    lines += [
                        f"        {column.name}: {rules.suggested_kind(column.name, column.type)}"
                        f"  # {column.type}"
                        for column in missing
                    ]
    except WarehouseError as exc:
        raise GuardError(str(exc)) from None
    return "\n".join(lines)
