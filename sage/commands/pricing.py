"""sage pricing: check the price list, and show what a change to it does.

``sage pricing validate`` checks ``seeds/pricing.csv`` and the acknowledgements
beside it (the rules are in pricing/pricelist.py, pricing/validate.py and
pricing/acknowledged.py). ``sage pricing diff`` compares it with a committed
version and prices the warehouse's turns with both. ``sage pricing check``
compares its rates with the public catalogs' snapshots in pricing/snapshots/, and
``sage pricing snapshot`` takes those snapshots again from PyPI.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from lakehouse.console import Progress
from lakehouse.settings import PROJECT_ROOT, Settings
from lakehouse.warehouse import WarehouseError
from pricing.acknowledged import FILE_NAME as ACKNOWLEDGED_FILE_NAME
from pricing.acknowledged import Acknowledgements, read_acknowledgements
from pricing.catalog import CatalogFormatError, CatalogPrice
from pricing.check import check_data, compare
from pricing.diff import diff_price_lists
from pricing.git import GitError, base_version
from pricing.impact import impact
from pricing.package_file import PackageError, download, normalized, read_member
from pricing.pricelist import PriceList
from pricing.snapshot import CATALOGS, SnapshotError, read_snapshot, take_snapshot, write_snapshot
from pricing.usage import daily_usage, unpriced_model_usage
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
from sage.pricing_report import (
    DiffReport,
    Usage,
    render_check_text,
    render_markdown,
    render_text,
)

PRICE_LIST = PROJECT_ROOT / "seeds" / "pricing.csv"
SNAPSHOTS = PROJECT_ROOT / "pricing" / "snapshots"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "pricing",
        help="validate seeds/pricing.csv, show what a change to it does, or compare it with "
        "published prices",
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
    _add_acknowledged_flag(validate)
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

    check = commands.add_parser(
        "check",
        help="compare the rates with public price catalogs' snapshots",
        description="Compares every rate of the rows valid on a day (today, UTC, by default) "
        "with each catalog snapshot in pricing/snapshots/ and prints every rate that differs: "
        "model, rate, the seed's value, the catalog's, and their ratio. A difference is "
        f"acknowledged by a row of seeds/{ACKNOWLEDGED_FILE_NAME} naming the price_id, "
        "catalog, rate and the catalog's value, with the reason. A model a catalog lacks is "
        "reported, not failed (unless --fail-on-missing). Exit status 1 on a difference not "
        "acknowledged, 0 when every rate agrees or is acknowledged, 2 when a snapshot cannot "
        "be read.",
    )
    check.add_argument(
        "--on",
        metavar="YYYY-MM-DD",
        type=_day,
        help="compare the rows valid on this UTC day (default: today)",
    )
    check.add_argument(
        "--catalog",
        action="append",
        choices=sorted(CATALOGS),
        help="only this catalog's snapshot (repeatable; default: every snapshot present)",
    )
    check.add_argument(
        "--snapshots",
        type=Path,
        default=SNAPSHOTS,
        metavar="DIR",
        help="where the snapshots are (default: pricing/snapshots of this project)",
    )
    check.add_argument(
        "--fail-on-missing",
        action="store_true",
        help="also exit 1 when a catalog lacks a model of the price list",
    )
    check.add_argument(
        "--json", action="store_true", help="print the result as JSON (for CI) instead"
    )
    _add_file_flag(check)
    _add_acknowledged_flag(check)
    check.set_defaults(handler=run_check)

    snapshot = commands.add_parser(
        "snapshot",
        help="take the catalogs' snapshots again from PyPI",
        description="Downloads each catalog's package from PyPI (pip download --no-deps: one "
        "wheel, nothing installed), reads the catalog file inside it, and writes "
        "pricing/snapshots/<catalog>.json: the catalog's rates for the price list's model ids "
        "(with their base id and global., us., eu. profiles), the package's name, version "
        "and hash, and today's date. Exit status 2 when the package cannot be fetched or read.",
    )
    snapshot.add_argument(
        "--catalog",
        action="append",
        choices=sorted(CATALOGS),
        help="only this catalog (repeatable; default: every catalog)",
    )
    snapshot.add_argument(
        "--version",
        metavar="VERSION",
        help="this version of the catalog's package (default: the latest); one --catalog",
    )
    snapshot.add_argument(
        "--package-file",
        type=Path,
        metavar="FILE",
        help="read this wheel or .tar.gz instead of downloading it; one --catalog",
    )
    snapshot.add_argument(
        "--snapshots",
        type=Path,
        default=SNAPSHOTS,
        metavar="DIR",
        help="where to write the snapshots (default: pricing/snapshots of this project)",
    )
    _add_file_flag(snapshot)
    snapshot.set_defaults(handler=run_snapshot)


def _add_file_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file",
        type=Path,
        default=PRICE_LIST,
        help="the price list (default: seeds/pricing.csv of this project)",
    )


def _add_acknowledged_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--acknowledged",
        type=Path,
        metavar="CSV",
        help=f"rates that differ from a catalog on purpose (default: {ACKNOWLEDGED_FILE_NAME} "
        "beside the price list; no file, no acknowledgement)",
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


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


def acknowledged_path(args: argparse.Namespace) -> Path:
    return args.acknowledged or args.file.parent / ACKNOWLEDGED_FILE_NAME


def check_acknowledgements(path: Path, price_list: PriceList) -> Acknowledgements:
    """The validated acknowledgements; a CommandError listing every problem otherwise."""
    acknowledgements = read_acknowledgements(
        path,
        price_ids={row.price_id for row in price_list.rows},
        catalogs=set(CATALOGS),
        source=_display(path),
    )
    if acknowledgements.problems:
        for problem in acknowledgements.problems:
            warn(f"  {problem}")
        count = len(acknowledgements.problems)
        raise CommandError(
            f"{_display(path)} has {count} problem{'s' if count > 1 else ''} (listed above); "
            "see README, Changing a price"
        )
    return acknowledgements


def run_validate(args: argparse.Namespace) -> int:
    price_list = check_price_list(args.file)
    say(
        f"{_display(args.file)}: {len(price_list.rows)} rows, {len(price_list.models)} models, "
        "valid"
    )
    path = acknowledged_path(args)
    if path.is_file():
        acknowledgements = check_acknowledgements(path, price_list)
        count = len(acknowledgements.rows)
        say(f"{_display(path)}: {count} acknowledgement{'' if count == 1 else 's'}, valid")
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


def _snapshot_paths(args: argparse.Namespace) -> list[Path]:
    if args.catalog:
        return [args.snapshots / f"{name}.json" for name in dict.fromkeys(args.catalog)]
    paths = sorted(args.snapshots.glob("*.json")) if args.snapshots.is_dir() else []
    if not paths:
        raise CommandError(
            f"{_display(args.snapshots)}: no catalog snapshot to compare with; take one with "
            "`sage pricing snapshot`",
            status=EXIT_USAGE,
        )
    return paths


def run_check(args: argparse.Namespace) -> int:
    price_list = check_price_list(args.file)
    ack_path = acknowledged_path(args)
    acknowledgements = check_acknowledgements(ack_path, price_list)
    snapshots = []
    for path in _snapshot_paths(args):
        if not path.is_file():
            raise CommandError(
                f"{_display(path)}: no such snapshot; take it with "
                f"`sage pricing snapshot --catalog {path.stem}`",
                status=EXIT_USAGE,
            )
        try:
            snapshots.append((read_snapshot(path, source=_display(path)), _display(path)))
        except SnapshotError as exc:
            raise CommandError(str(exc), status=EXIT_USAGE) from None
    today = datetime.now(UTC).date()
    result = compare(
        price_list.rows,
        snapshots,
        acknowledgements,
        on=args.on or today,
        fail_on_missing=args.fail_on_missing,
    )
    if args.json:
        data = check_data(
            result,
            price_list=_display(args.file),
            acknowledged=_display(ack_path),
        )
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        say(
            render_check_text(
                result,
                price_list=_display(args.file),
                acknowledged=_display(ack_path),
                today=today,
            )
        )
    return EXIT_FAILED if result.failed else EXIT_OK


def run_snapshot(args: argparse.Namespace) -> int:
    names = list(dict.fromkeys(args.catalog or sorted(CATALOGS)))
    if (args.version or args.package_file) and len(names) != 1:
        raise CommandError(
            "--version and --package-file name one package: give one --catalog with them",
            status=EXIT_USAGE,
        )
    price_list = check_price_list(args.file)
    today = datetime.now(UTC).date()
    for name in names:
        catalog = CATALOGS[name]
        try:
            if args.package_file:
                package = read_member(args.package_file, catalog.member)
            else:
                with tempfile.TemporaryDirectory(prefix="sage-catalog-") as directory:
                    warn(f"{name}: pip download {catalog.package} ...")
                    path = download(catalog.package, args.version, Path(directory))
                    package = read_member(path, catalog.member)
        except PackageError as exc:
            raise CommandError(f"{name}: {exc}", status=EXIT_USAGE) from None
        if normalized(package.name) != normalized(catalog.package):
            raise CommandError(
                f"{name}: {package.file} is the package {package.name!r}, not {catalog.package!r}",
                status=EXIT_USAGE,
            )
        try:
            snapshot = take_snapshot(catalog, package, price_list.models, today=today)
        except CatalogFormatError as exc:
            raise CommandError(
                f"{name}: {package.file}, {package.member} {exc}", status=EXIT_USAGE
            ) from None
        path = args.snapshots / f"{name}.json"
        write_snapshot(snapshot, path)
        found = sum(
            isinstance(snapshot.models[model_id], CatalogPrice) for model_id in price_list.models
        )
        say(
            f"{_display(path)}: {catalog.title}, {snapshot.source}, taken {today}; "
            f"{found} of the price list's {len(price_list.models)} models found, "
            f"{len(snapshot.models)} ids looked up"
        )
    return EXIT_OK


UNPRICED_TEST = "assert_every_turn_has_a_price"


def warn_unpriced_turns(settings: Settings, dbt_result) -> None:
    """After a build whose unpriced-turns test warned: name the models and their turns."""
    results = getattr(getattr(dbt_result, "result", None), "results", None) or []
    if not any(item.node.name == UNPRICED_TEST and item.status == "warn" for item in results):
        return
    try:
        rows = unpriced_model_usage(settings)
    except WarehouseError:
        return
    price_list = _display(PRICE_LIST)
    for row in rows:
        unpriced, all_turns = int(row["unpriced_turns"]), int(row["all_turns"])
        warn(
            f"warning: {unpriced:,} of {all_turns:,} turns ({unpriced / all_turns:.2%}) are on "
            f"{row['model_id']} ({row['first_day']} .. {row['last_day']}) and have no price in "
            f"{price_list}: not costed (see README, Changing a price)"
        )
