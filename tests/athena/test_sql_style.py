"""The project's SQL follows the style in .sqlfluff, as written and as compiled for Athena."""

from __future__ import annotations

from sage.checks.athena_offline import AthenaSql
from sage.checks.sql_lint import compiled_project_sql, lint_compiled, lint_sources, source_files

OFF_STYLE = """\
with

turns as (

    SELECT * from {{ ref('silver_turns') }}

),

joined as (
  select
      t.user_key
      , p.price_id
      , {{ pseudonymise('t.source_user_id') }} user_key_again
  from turns t
  join {{ ref('silver_prices') }} as p on t.price_id = p.price_id
)

select * from joined
"""


def test_sql_sources_follow_the_style():
    assert source_files()
    violations = lint_sources()
    assert not violations, "\n".join(map(str, violations))


def test_sql_compiled_for_athena_follows_the_style(athena_sql: AthenaSql):
    compiled = compiled_project_sql(athena_sql)
    assert any(where.startswith("model ") for where, _ in compiled)
    violations = lint_compiled(compiled)
    assert not violations, "\n".join(map(str, violations))


def test_the_style_rules_are_enforced(tmp_path):
    model = tmp_path / "off_style.sql"
    model.write_text(OFF_STYLE)
    found = {violation.code for violation in lint_sources([model])}
    # uppercase keyword, indent, leading commas, implicit aliases, one-letter aliases, bare join
    assert {"CP01", "LT02", "LT04", "AL01", "AL02", "AL06", "AM05"} <= found
    compiled = "SELECT x.a AS a FROM t x JOIN u ON x.a = u.a"
    found = {violation.code for violation in lint_compiled([("compiled", compiled)])}
    assert {"CP01", "AL01", "AL06", "AM05"} <= found
