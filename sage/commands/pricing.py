"""sage pricing: check the price list, and show what a change to it does.

``sage pricing validate`` checks ``seeds/pricing.csv`` (the rules are in
pricing/pricelist.py and pricing/validate.py). ``sage pricing diff`` compares it
with a committed version and prices the warehouse's turns with both.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from pricing.diff import diff_price_lists
from pricing.git import GitError, base_version
from pricing.impact import DailyUsage, impact
from pricing.pricelist import PriceList
from pricing.validate import (
    check_turns_priced,
    unpriced_models,
    validate_file,
    validate_price_list,
)
from sage.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_location_flags,
    say,
    settings_from,
    warn,
)
from sage.config import PROJECT_ROOT, Settings
from sage.console import Progress
from sage.pricing_report import DiffReport, Usage, render_markdown, render_text
from sage.warehouse import WarehouseError, open_warehouse

PRICE_LIST = PROJECT_ROOT / "seeds" / "pricing.csv"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "pricing",
        help="validate seeds/pricing.csv, or show what a change to it does",
        description="The price list is changed by pull request; these commands check it.",
    )
    commands = parser.add_subparsers(dest="pricing_command", metavar="COMMAND", required=True)

    validate = commands.add_parser(
        "validate",
        help="check every row and every model's validity periods",
        description="Checks columns, dates, rates (non-negative USD per million tokens, "
        "at most 6 decimals) and, per model, that periods run forwards, do not overlap, "
        "leave no gap and that only the latest is open-ended. Exit status 1 on any problem.",
    )
    validate.add_argument(
        "--turns",
        action="store_true",
        help="also check that every turn in the warehouse (Gold's daily totals) has a price "
        "in the list for its day; each model without one is reported with its count",
    )
    _add_file_flag(validate)
    add_location_flags(validate, lake=False)
    validate.set_defaults(handler=run_validate)

    diff = commands.add_parser(
        "diff",
        help="rows added, closed and changed since a git ref, and the cost impact",
        description="Compares the working price list with the version at a git ref and "
        "prices the warehouse's turns (Gold's daily token totals) with both. Exit status 1 "
        "when the change restates history (rewrites the price of a day before today) "
        "without --allow-restatement, or when the working list is not valid; 2 when the "
        "base version cannot be found.",
    )
    diff.add_argument(
        "--base",
        metavar="GIT_REF",
        help="branch, tag or commit to compare with (default: the merge base with main)",
    )
    diff.add_argument(
        "--allow-restatement",
        action="store_true",
        help="accept a change to the price of days before today (a legitimate correction)",
    )
    diff.add_argument(
        "--markdown",
        metavar="FILE",
        help="also write the report as Markdown to FILE ('-': print Markdown instead of the "
        "terminal report), e.g. a pull request comment or $GITHUB_STEP_SUMMARY",
    )
    _add_file_flag(diff)
    add_location_flags(diff, lake=False)
    diff.set_defaults(handler=run_diff)


def _add_file_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file",
        type=Path,
        default=PRICE_LIST,
        help="the price list (default: seeds/pricing.csv of this project)",
    )


def _display(path: Path) -> str:
    """The path as the user knows it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read(path: Path) -> PriceList:
    if not path.is_file():
        raise CommandError(f"{path}: no such file", status=EXIT_USAGE)
    return validate_file(path, source=_display(path))


def check_price_list(path: Path = PRICE_LIST) -> PriceList:
    """The validated price list; a CommandError listing every problem when it is not valid."""
    price_list = _read(path)
    if price_list.problems:
        for problem in price_list.problems:
            warn(f"  {problem}")
        count = len(price_list.problems)
        raise CommandError(
            f"{_display(path)} has {count} problem{'s' if count > 1 else ''} (listed above); "
            "see README, Changing a price"
        )
    return price_list


def run_validate(args: argparse.Namespace) -> int:
    price_list = check_price_list(args.file)
    say(
        f"{_display(args.file)}: {len(price_list.rows)} rows, {len(price_list.models)} models, "
        "valid"
    )
    if not args.turns:
        return EXIT_OK
    settings = settings_from(args)
    try:
        usage = daily_usage(settings)
    except WarehouseError as exc:
        raise CommandError(str(exc), status=EXIT_USAGE) from None
    problems = check_turns_priced(price_list.rows, usage, source=_display(args.file))
    for problem in problems:
        warn(f"  {problem}")
    turns = sum(day.turns for day in usage)
    if problems:
        raise CommandError(
            f"turns in {_usage_source(settings)} on {len(problems)} model"
            f"{'s' if len(problems) > 1 else ''} have no price (listed above)"
        )
    say(f"every one of the {turns:,} turns in {_usage_source(settings)} has a price")
    return EXIT_OK


def daily_usage(settings: Settings) -> list[DailyUsage]:
    """Token totals per UTC day and model id as the app logged it (the restricted
    ``private.model_usage_daily``: Gold closes model ids to the price list, and a model
    missing from it must still be seen here): the same SQL on DuckDB and Athena."""
    sql = f"""
        select turn_date, model_id, turns, tokens_in, tokens_out, tokens_cache_read,
               tokens_cache_write
        from {settings.relation("private", "model_usage_daily")}
    """
    with open_warehouse(settings) as warehouse:
        rows = warehouse.query(sql)
    return [
        DailyUsage(
            turn_date=row["turn_date"],
            model_id=row["model_id"],
            turns=int(row["turns"] or 0),
            tokens_in=int(row["tokens_in"] or 0),
            tokens_out=int(row["tokens_out"] or 0),
            tokens_cache_read=int(row["tokens_cache_read"] or 0),
            tokens_cache_write=int(row["tokens_cache_write"] or 0),
        )
        for row in rows
    ]


def _usage_source(settings: Settings) -> str:
    relation = settings.relation("private", "model_usage_daily")
    if settings.target == "athena":
        return f"{relation} (Athena)"
    return f"{relation} ({_display(Path(settings.warehouse))})"


def run_diff(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    new = check_price_list(args.file)
    try:
        base = base_version(args.file, args.base)
    except GitError as exc:
        raise CommandError(str(exc), status=EXIT_USAGE) from None

    if base.content is None:
        warn(f"note: {base.path} does not exist at {base.label}: every row is new")
        old = PriceList(source=f"{base.path} at {base.commit[:7]}")
    else:
        old = validate_price_list(base.content, source=f"{base.path} at {base.commit[:7]}")
        for problem in old.problems:
            warn(f"note: the base version has a problem (its other rows are compared): {problem}")

    today = datetime.now(UTC).date()
    diff = diff_price_lists(old.rows, new.rows, today=today)
    report = DiffReport(
        file=_display(args.file),
        base=base.label,
        diff=diff,
        usage=None,
        allow_restatement=args.allow_restatement,
    )
    if diff.changes:
        progress = Progress("impact")
        if settings.target == "athena":  # a query of some seconds: say what it waits for
            warn(f"impact: reading daily token totals from {_usage_source(settings)} ...")
        try:
            usage = daily_usage(settings)
        except WarehouseError as exc:  # no warehouse yet: the rows are still compared
            report.impact_note = str(exc)
            progress.done()
        except Exception as exc:  # the engine's own errors (Athena: credentials, workgroup)
            raise CommandError(f"could not read Gold on {settings.target}: {exc}") from None
        else:
            progress.done(f"{len(usage):,} model-days read from {_usage_source(settings)}")
            days = [day.turn_date for day in usage]
            report.usage = Usage(
                source=_usage_source(settings),
                turns=sum(day.turns for day in usage),
                first_day=min(days) if days else None,
                last_day=max(days) if days else None,
            )
            report.months = impact(old.rows, new.rows, usage)
            report.unpriced = unpriced_models(new.rows, usage)

    if args.markdown == "-":
        sys.stdout.write(render_markdown(report))
    else:
        say(render_text(report))
        if not args.markdown:  # both, as the pull request wants them
            say("\nMarkdown for the pull request (or to a file: --markdown FILE):\n")
            say(render_markdown(report))
        else:
            try:
                Path(args.markdown).write_text(render_markdown(report))
            except OSError as exc:
                raise CommandError(
                    f"--markdown {args.markdown}: {exc.strerror}", status=EXIT_USAGE
                ) from None
    return EXIT_FAILED if report.refused else EXIT_OK


UNPRICED_TEST = "assert_every_turn_has_a_price"


def warn_unpriced_turns(settings: Settings, dbt_result) -> None:
    """After a build whose unpriced-turns test warned: name the models and their turns."""
    results = getattr(getattr(dbt_result, "result", None), "results", None) or []
    if not any(item.node.name == UNPRICED_TEST and item.status == "warn" for item in results):
        return
    sql = f"""
        select model_id, sum(unpriced_turns) as unpriced_turns,
               min(turn_date) as first_day, max(turn_date) as last_day
        from {settings.relation("private", "model_usage_daily")}
        where unpriced_turns > 0
        group by 1
        order by 2 desc, 1
    """
    try:
        with open_warehouse(settings) as warehouse:
            rows = warehouse.query(sql)
    except WarehouseError:
        return
    price_list = _display(PRICE_LIST)
    for row in rows:
        warn(
            f"warning: {int(row['unpriced_turns']):,} turns on {row['model_id']} "
            f"({row['first_day']} .. {row['last_day']}) have no price in {price_list}: "
            "not costed (see README, Changing a price)"
        )
