"""The Great Expectations suite built from the allow-list for one table, run as a
checkpoint; its results become masked checks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from privacy.catalog import Table
from privacy.guard.report import Check
from privacy.rules import PUBLISHED_LAYER, Allowlist, Kind, mask

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


def gx_context():
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
