"""sage ingest: parse, validate, enrich → Bronze + quarantine; prints the counts."""

from __future__ import annotations

import argparse
import json

from ingest.pipeline import IngestReport, ingest_paths
from ingest.sources import SOURCES, get_source
from lakehouse.console import Progress
from lakehouse.lake import LakeError, open_lake
from sage.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    CommandError,
    add_location_flags,
    say,
    settings_from,
    warn,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="land raw files in the lake's Bronze layer, rejects in quarantine",
        description="Every record read ends in exactly one of Bronze or quarantine (with "
        "its reason); the counts are printed. A file that cannot be read at all (corrupt gzip, "
        "a JSON document that does not parse, over the size limit) is quarantined whole and "
        "the run goes on with the next; the exit status is then 1.",
    )
    parser.add_argument(
        "--source", required=True, choices=sorted(SOURCES), help="which source the files are"
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="files, or folders to read recursively"
    )
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    add_location_flags(parser, warehouse=False, target=False)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    source = get_source(args.source)
    if source.check_settings is not None:
        try:
            source.check_settings()
        except ValueError as exc:
            raise CommandError(str(exc), status=2) from None
    lake = open_lake(settings.lake)
    progress = Progress(f"ingest {source.name}")
    try:
        report = ingest_paths(
            source,
            lake,
            args.paths,
            progress=show(progress),
        )
    except FileNotFoundError as exc:
        raise CommandError(str(exc), status=2) from None
    except LakeError as exc:
        raise CommandError(str(exc)) from None
    progress.done()
    if args.json:
        say(json.dumps(report.as_dict(), indent=2))
    else:
        say(describe(report, lake.url))
    for problem in report.rejected_files:
        kept = "copied to quarantine" if problem.copied else "recorded in quarantine"
        warn(f"error: {problem.message} ({kept})")
    if report.files_read and len(report.rejected_files) == report.files_read:
        warn("error: no file could be read")
    return EXIT_FAILED if report.rejected_files else EXIT_OK


def show(progress: Progress):
    """An ingest progress callback that draws on ``progress``."""

    def update(done: int, total: int, report: IngestReport) -> None:
        progress.update(done, total, f"{report.records_read:,} records")

    return update


def describe(report: IngestReport, lake_url: str) -> str:
    rejected = len(report.rejected_files)
    lines = [
        f"ingest {report.source} → {lake_url}",
        f"  files        {report.files_read:>10,} read"
        + (f", {rejected:,} unreadable (quarantined whole)" if rejected else ""),
        f"  records      {report.records_read:>10,} read",
        f"    landed     {report.landed:>10,}",
        f"    duplicate  {report.duplicates:>10,}   (same event_id as a record landed in this run)",
        f"    quarantined{report.quarantined_total:>10,}",
    ]
    for reason, count in sorted(report.quarantined.items(), key=lambda item: -item[1]):
        lines.append(f"      {reason:<20}{count:>8,}")
    if report.unknown_fields:
        fields = ", ".join(
            f"{name} ({count:,})" for name, count in report.unknown_fields.most_common()
        )
        lines.append(f"  unknown fields, not landed: {fields}")
    if report.skipped:
        kinds = ", ".join(f"{kind} {count:,}" for kind, count in report.skipped.most_common())
        skipped = sum(report.skipped.values())
        lines.append(f"  skipped      {skipped:>10,}   (not records of this source: {kinds})")
    if report.scrub_violations:
        found = ", ".join(
            f"{partner} {month} {rule} ({count:,})"
            for (partner, month, rule), count in sorted(report.scrub_violations.items())
        )
        lines.append(f"  scrub violations, audited as SCRUB_VIOLATION: {found}")
    lines.append(
        f"  bronze: {report.bronze_objects:,} objects in {len(report.partitions):,} hour partitions"
        + ("" if report.balanced else "   WARNING: counts do not add up")
    )
    return "\n".join(lines)
