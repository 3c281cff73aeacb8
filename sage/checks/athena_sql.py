"""Is this SQL something Athena (engine version 3) accepts?

sqlglot's ``athena`` dialect routes each statement the way Athena does: DDL
such as ``create external table ... row format serde`` to the Hive grammar,
queries and ``create table as``/``create view`` to the Trino grammar. Parsing
alone is a weak test, though, because sqlglot is lenient on purpose: it reads
many other dialects' syntax and would rewrite it on output (``x::int`` becomes
``cast(x as integer)``, ``percentile_cont(...) within group`` becomes
``approx_percentile``), and a statement it cannot parse at all silently becomes
an opaque ``Command``. So on top of parsing, :func:`athena_problems` rejects:

- statements sqlglot could only keep as an opaque command;
- syntax Athena's Trino engine does not have but sqlglot accepts (``::`` casts,
  ``{...}`` struct literals, ``ilike``, ``* exclude``, ordered-set aggregates,
  the Hive-only type name ``string`` in a query);
- calls to functions that are not Athena (Trino) functions, by the name written
  in the SQL (``trino_functions.txt``), so DuckDB-only functions cannot slip
  through as sqlglot's "anonymous" functions or under a name sqlglot translates;
- for Iceberg tables, casts to types Athena cannot write into Iceberg
  (``timestamp`` without precision 6, ``varchar(n)``, ``char(n)``);
- Trino's own DDL, which the Trino 476 the tests build on accepts and Athena
  does not: a ``create table`` with columns is Hive DDL on Athena, so table or
  column properties in ``with (...)`` (``format``, ``external_location``,
  ``partition_projection_*``) are rejected; Athena spells them ``row format``,
  ``location`` and ``tblproperties``;
- statements longer than Athena's query string limit (262,144 bytes), which
  Athena refuses before it parses anything.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import pairwise
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.tokens import TokenType

FUNCTIONS_FILE = Path(__file__).with_name("trino_functions.txt")

# Athena's quota on the length of one query string (StartQueryExecution's QueryString).
MAX_QUERY_BYTES = 262_144

# Tokens sqlglot's Trino tokenizer accepts that Athena's engine rejects.
_FOREIGN_TOKENS = {
    TokenType.DCOLON: "`::` casts are DuckDB/PostgreSQL syntax; write cast(x as type)",
    TokenType.L_BRACE: "`{...}` struct/map literals are DuckDB syntax; use row(...) or map(...)",
    TokenType.ILIKE: "Athena has no `ilike`; compare lower(x) with like",
}


@cache
def athena_functions() -> frozenset[str]:
    lines = FUNCTIONS_FILE.read_text().splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def athena_problems(sql: str, *, iceberg: bool = False) -> list[str]:
    """What in ``sql`` (one or more statements) Athena would not accept; empty if none."""
    try:
        statements = [
            statement
            for statement in sqlglot.parse(sql, read="athena", error_level=ErrorLevel.RAISE)
            if statement is not None
        ]
        tokens = sqlglot.Dialect.get_or_raise("athena").tokenize(sql)
    except (ParseError, TokenError) as exc:
        return [f"does not parse as Athena SQL: {exc}"]
    if not statements:
        return ["no SQL statement"]

    problems: list[str] = []
    size = len(sql.encode())
    if size > MAX_QUERY_BYTES:
        problems.append(
            f"{size:,} bytes: over Athena's query string limit of {MAX_QUERY_BYTES:,} bytes"
        )
    hive = bool(tokens) and tokens[0].token_type == TokenType.HIVE_TOKEN_STREAM
    if hive:
        problems += _trino_ddl_problems(tokens)
    for token in tokens:
        if token.token_type in _FOREIGN_TOKENS:
            problems.append(f"line {token.line}: {_FOREIGN_TOKENS[token.token_type]}")
        if not hive and token.token_type == TokenType.TEXT and token.text.lower() == "string":
            problems.append(
                f"line {token.line}: `string` is a Hive DDL type; Athena queries use varchar"
            )
    for statement in statements:
        if isinstance(statement, exp.Command):
            problems.append(
                f"sqlglot could not parse `{statement.sql()[:60]}...` as an Athena statement"
            )
            continue
        problems += _syntax_problems(statement)
        problems += _function_problems(statement, sql)
        if iceberg:
            problems += _iceberg_type_problems(statement)
    return problems


def _trino_ddl_problems(tokens: list) -> list[str]:
    """`with (...)` in Hive DDL: Trino's table and column properties (Hive's own
    `with serdeproperties (...)` and `with dbproperties (...)` name their kind)."""
    return [
        f"line {token.line}: `with (...)` properties are Trino DDL; Athena's create table is "
        "Hive DDL (row format serde, location, tblproperties)"
        for token, following in pairwise(tokens)
        if token.token_type == TokenType.WITH and following.token_type == TokenType.L_PAREN
    ]


def _syntax_problems(statement: exp.Expr) -> list[str]:
    problems = []
    for node in statement.find_all(exp.WithinGroup):
        problems.append(
            f"`{node.sql('athena')[:60]}`: ordered-set aggregates (within group) do not exist in "
            "Athena; use approx_percentile (see macros/stats/percentile.sql)"
        )
    for star in statement.find_all(exp.Star):
        if any(star.args.get(key) for key in ("except_", "replace", "rename")):
            problems.append("`* exclude/replace (...)` is DuckDB syntax; list the columns")
    return problems


def _function_problems(statement: exp.Expr, sql: str) -> list[str]:
    known = athena_functions()
    problems = []
    for node in statement.find_all(exp.Func):
        if isinstance(node, exp.Anonymous):
            name = node.name
        else:
            # The name as written (sqlglot may have mapped it to another dialect's function).
            start, end = node.meta.get("start"), node.meta.get("end")
            if start is None or end is None:
                problems += _translated(node, sql)
                continue
            name = sql[start : end + 1]
        if name.lower() not in known:
            line = node.meta.get("line", "?")
            problems.append(f"line {line}: `{name}` is not an Athena (Trino) function")
    return problems


def _translated(node: exp.Func, sql: str) -> list[str]:
    """A call sqlglot parsed without recording its name: Athena's spelling must be in the SQL.

    If the Athena rendering of the node starts with a function name the SQL does
    not contain, sqlglot translated it from another dialect (``string_agg`` into
    ``array_join(array_agg(...))``, say).
    """
    if isinstance(node, exp.Cast) or isinstance(node.parent, exp.Case):
        return []  # cast syntax (`::` is caught by its token), and the branches of a case
    rendered = node.sql("athena")
    match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", rendered)
    if match is None or re.search(rf"\b{match.group(1)}\s*\(", sql, re.IGNORECASE):
        return []
    return [f"`{rendered[:60]}` is Athena's spelling; sqlglot translated it from another dialect"]


def _iceberg_type_problems(statement: exp.Expr) -> list[str]:
    """Iceberg stores timestamps in microseconds and has no bounded strings."""
    problems = []
    for node in statement.find_all(exp.DataType):
        sized = node.expressions
        if node.this in (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ):
            precision = sized[0].sql() if sized else None
            if precision != "6":
                problems.append(
                    f"`{node.sql('athena')}` in an Iceberg table: Athena writes Iceberg timestamps "
                    "as timestamp(6) only (plain timestamp is timestamp(3)); use as_timestamp()"
                )
        elif node.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR) and sized:
            problems.append(
                f"`{node.sql('athena')}` in an Iceberg table: Iceberg has no length-bounded "
                "strings; cast to varchar"
            )
    return problems


# Expressions Trino types as double whatever their arguments.
_DOUBLE_FUNCTIONS = (
    exp.Sqrt, exp.Cbrt, exp.Ln, exp.Log, exp.Exp, exp.Pow, exp.Avg, exp.Stddev,
    exp.StddevSamp, exp.StddevPop, exp.Variance, exp.VariancePop, exp.ApproxQuantile,
    exp.Corr, exp.CovarSamp, exp.CovarPop, exp.Rand,
)  # fmt: skip
_FRACTIONAL_TYPES = (
    exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT, exp.DataType.Type.DECIMAL,
)  # fmt: skip


def is_fractional(node: exp.Expr) -> bool:
    """Whether Athena types the expression as double (or an explicit decimal).

    A cautious reading: a column or a literal like 2.5 (a DECIMAL with one
    decimal place in Trino, not a double) does not count; casts, double-valued
    functions, and arithmetic, case or coalesce over such operands do.
    """
    node = node.unnest()
    if isinstance(node, exp.Cast):
        return node.to.this in _FRACTIONAL_TYPES
    if isinstance(node, exp.Literal):
        return not node.is_string and "e" in node.name.lower()  # 1e0 is a double
    if isinstance(node, _DOUBLE_FUNCTIONS):
        return True
    if isinstance(node, exp.Window):
        return is_fractional(node.this)
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)):
        return is_fractional(node.this) or is_fractional(node.expression)
    if isinstance(node, exp.Neg):
        return is_fractional(node.this)
    if isinstance(node, exp.Case):
        branches = [branch.args.get("true") for branch in node.args.get("ifs", [])]
        branches.append(node.args.get("default"))
        return any(is_fractional(branch) for branch in branches if branch is not None)
    if isinstance(node, (exp.Coalesce, exp.Greatest, exp.Least)):
        return any(is_fractional(arg) for arg in [node.this, *node.expressions])
    if isinstance(node, exp.Nullif):
        return is_fractional(node.this)
    return False


def divisions_without_a_double(sql: str) -> list[str]:
    """Every `/` in the SQL neither of whose operands is (typed as) a double.

    Trino divides integers as integers (7 / 2 = 3) and decimals at the larger of
    the two scales (3.8416 / 2000 = 0.0019), where DuckDB returns a double; the
    project's ratios therefore divide doubles (macros/stats/divide.sql).
    """
    return [
        division.sql("athena")
        for statement in sqlglot.parse(sql, read="athena")
        if statement is not None
        for division in statement.find_all(exp.Div)
        if not (is_fractional(division.this) or is_fractional(division.expression))
    ]
