"""Read files, run a source parser, land Bronze and quarantine, count everything.

Accounting rule: every record read ends in exactly one of
``landed`` (written to Bronze), ``duplicate`` (same ``event_id`` as a record
already landed in this run: its event is in Bronze once) or ``quarantined``
(written to quarantine with its reason). A file that cannot be read at all is
copied whole to quarantine with the reason, and nothing of it reaches Bronze.
So after a run, Bronze holds ``landed`` lines and quarantine
``quarantined + files rejected`` lines more than before.

Bronze object names derive from the input's bytes, quarantine object names from
its bytes and its name: ingesting the same file twice rewrites the same objects
instead of adding new ones, and the same bytes under two names keep both
names' rejected records.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import orjson

from ingest.limits import MAX_FILE_BYTES, gunzip
from ingest.records import (
    TOO_LARGE,
    UNREADABLE_FILE,
    FileRejected,
    IngestContext,
    Landed,
    Landing,
    Rejected,
    Skipped,
)
from ingest.sources import Source
from lakehouse.lake import Lake
from lakehouse.ndjson import gzip_lines, is_gzip


@dataclass
class FileProblem:
    file: str
    reason: str
    message: str
    copied: bool = True  # whether its bytes are in quarantine (they are, if they could be read)


@dataclass
class IngestReport:
    source: str
    files_read: int = 0
    records_read: int = 0
    landed: int = 0
    duplicates: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    unknown_fields: Counter[str] = field(default_factory=Counter)
    rejected_files: list[FileProblem] = field(default_factory=list)
    bronze_objects: int = 0
    partitions: set[str] = field(default_factory=set)
    landed_by_table: Counter[str] = field(default_factory=Counter)
    # records of the input that are not this source's records (OpenTelemetry spans
    # that are not LLM calls), by kind: not among the records read
    skipped: Counter[str] = field(default_factory=Counter)
    # (partner, month, rule) -> records: rejections that carried something personal
    scrub_violations: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())

    @property
    def balanced(self) -> bool:
        return self.records_read == self.landed + self.duplicates + self.quarantined_total

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "files_read": self.files_read,
            "files_rejected": len(self.rejected_files),
            "records_read": self.records_read,
            "landed": self.landed,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined_total,
            "quarantined_by_reason": dict(sorted(self.quarantined.items())),
            "unknown_fields": dict(sorted(self.unknown_fields.items())),
            "landed_by_table": dict(sorted(self.landed_by_table.items())),
            "skipped": sum(self.skipped.values()),
            "skipped_by_kind": dict(sorted(self.skipped.items())),
            "bronze_objects": self.bronze_objects,
            "partitions": len(self.partitions),
            "scrub_violations": [
                {"partner": partner, "month": month, "rule": rule, "count": count}
                for (partner, month, rule), count in sorted(self.scrub_violations.items())
            ],
        }


def decompress(data: bytes, name: str) -> bytes:
    """The bytes of an input file, gunzipped if needed; FileRejected if unreadable
    or over ``MAX_FILE_BYTES``. UTF-8 is checked per record by the parsers, so one
    bad byte costs one record.
    """
    if is_gzip(data):
        data = gunzip(data, name)
    elif len(data) > MAX_FILE_BYTES:
        raise FileRejected(TOO_LARGE, f"{name}: over the limit of {MAX_FILE_BYTES:,} bytes")
    if not data.strip():
        raise FileRejected(UNREADABLE_FILE, f"{name}: file is empty, no records to read")
    return data


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, and every file under named folders, in a stable order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith(".")
            )
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return files


class Ingestor:
    """Lands the files of one source into one lake, accumulating one report.

    ``reference=True`` parses record by record with the sources' reference
    parsers even where a source has a fast path: the benchmark measures both,
    and the tests prove that both land the same lines.
    """

    def __init__(
        self,
        source: Source,
        lake: Lake,
        *,
        now: datetime | None = None,
        reference: bool = False,
    ):
        self.source = source
        self.lake = lake
        self.now = now or datetime.now(UTC)
        self.context = IngestContext.at(self.now)
        self.received_date = self.now.strftime("%Y-%m-%d")
        self.report = IngestReport(source.name)
        self.reference = reference
        self._seen: set[str] = set()

    def ingest_bytes(self, data: bytes, name: str) -> None:
        digest = hashlib.sha256(data).hexdigest()[:20]
        self.report.files_read += 1
        try:
            content = decompress(data, name)
            wrong = self.source.sniff(content)
            if wrong:
                raise FileRejected(
                    UNREADABLE_FILE, f"{name}: not {self.source.name} input: {wrong}"
                )
            landing = Landing(self.source.name, self._seen)
            try:
                if self.source.land is not None and not self.reference:
                    self.source.land(content, self.context, landing)
                else:
                    for item in self.source.parse(content, self.context):
                        landing.add(item)
            except FileRejected:
                # Found unreadable while being parsed: nothing of it lands, so none
                # of its records may count as landed in the run either.
                self._seen.difference_update(landing.added)
                raise
        except FileRejected as problem:
            if not problem.message.startswith(name):
                problem = FileRejected(problem.reason, f"{name}: {problem.message}")
            self._quarantine_file(data, name, digest, problem)
            return
        self._write(landing, name, digest)

    def reject_file(self, data: bytes, name: str, problem: FileRejected) -> None:
        """Count a file (or an event standing for one) that cannot be read at all,
        and quarantine it whole."""
        self.report.files_read += 1
        self._quarantine_file(data, name, hashlib.sha256(data).hexdigest()[:20], problem)

    def ingest_items(
        self, items: Iterable[Landed | Rejected | Skipped], name: str, digest: str
    ) -> None:
        """Land parsed items; ``name`` and ``digest`` identify where they came from."""
        landing = Landing(self.source.name, self._seen)
        for item in items:
            landing.add(item)
        self._write(landing, name, digest)

    def _write(self, landing: Landing, name: str, digest: str) -> None:
        """Write one file's landing: Bronze objects named by the content's digest,
        its quarantine object by the digest of its name and content."""
        report = self.report
        report.records_read += landing.read
        report.duplicates += landing.duplicates
        report.unknown_fields.update(landing.unknown_fields)
        report.skipped.update(landing.skipped)
        for (table, dt, hour), rows in sorted(landing.rows.items()):
            key = f"bronze/{table}/dt={dt}/hour={hour}/{digest}.ndjson.gz"
            self.lake.write_bytes(key, gzip_lines(rows))
            report.landed += len(rows)
            report.bronze_objects += 1
            report.partitions.add(f"{table}/{dt}/{hour}")
            report.landed_by_table[table] += len(rows)
        if landing.rejected:
            quarantine = []
            for item in landing.rejected:
                report.quarantined[item.reason] += 1
                quarantine.append(self._quarantine_line(item, name))
                violation = self.source.violations and self.source.violations(item, self.context)
                if violation:
                    report.scrub_violations[violation] += 1
            key = self._quarantine_prefix(name, digest) + ".ndjson.gz"
            self.lake.write_bytes(key, gzip_lines(quarantine))

    def record_violations(self) -> int:
        """Audit the run's scrub violations, one ``SCRUB_VIOLATION`` per partner, month
        and rule with the count (never the value: that stays in quarantine). Returns
        the records written; call once, when the run's files are landed."""
        if not self.report.scrub_violations:
            return 0
        from lakehouse.audit.log import AuditLog

        log = AuditLog.from_env(self.lake)
        for (partner, month, rule), count in sorted(self.report.scrub_violations.items()):
            log.append(
                "SCRUB_VIOLATION",
                {
                    "partner": partner,
                    "month": month,
                    "rule": rule,
                    "count": count,
                    "source": self.source.name,
                    "quarantine": self.lake.uri(f"quarantine/{self.source.name}/"),
                },
            )
        return len(self.report.scrub_violations)

    def ingest_file(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.report.files_read += 1
            problem = FileRejected(UNREADABLE_FILE, f"{path}: cannot be read ({exc.strerror})")
            self._quarantine_file(None, str(path), "", problem)
            return
        self.ingest_bytes(data, str(path))

    def _quarantine_prefix(self, name: str, digest: str) -> str:
        # The same bytes under two names are two files, each with its own records.
        named = hashlib.sha256(f"{name}\0{digest}".encode("utf-8", "replace")).hexdigest()[:20]
        return f"quarantine/{self.source.name}/dt={self.received_date}/{named}"

    def _quarantine_line(self, item: Rejected, file: str) -> bytes:
        return orjson.dumps(
            {
                "source": self.source.name,
                "file": file,
                "record": item.locator,
                "reason": item.reason,
                "field": item.field,
                "message": item.message,
                "received_at": self.context.received_at,
                "raw": item.raw,
            }
        )

    def _quarantine_file(
        self, data: bytes | None, name: str, digest: str, problem: FileRejected
    ) -> None:
        """The file copied whole (when it could be read at all, and its source lets
        quarantine keep it) and one quarantine record naming the copy."""
        prefix = self._quarantine_prefix(name, digest)
        copy = ""
        if data is not None and not self.source.copies_unreadable_files:
            whole = hashlib.sha256(data).hexdigest()
            problem = FileRejected(
                problem.reason,
                f"{problem.message} (not copied to quarantine: {self.source.name} input may "
                f"carry message content; {len(data):,} bytes, sha256 {whole})",
            )
            data = None
        if data is not None:
            copy_key = f"{prefix}.file-{_short_name(name)}"
            self.lake.write_bytes(copy_key, data)
            copy = self.lake.uri(copy_key)
        line = self._quarantine_line(
            Rejected("whole file", problem.reason, None, problem.message, copy), name
        )
        self.lake.write_bytes(f"{prefix}.ndjson.gz", gzip_lines([line]))
        self.report.rejected_files.append(
            FileProblem(name, problem.reason, problem.message, copied=data is not None)
        )


# Object names are at most 255 bytes on local disks; the copy's name keeps the end
# of the file's own name, which usually says the most (a date, a part number).
MAX_NAME_BYTES = 100


def _short_name(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name or "file"
    encoded = base.encode("utf-8", "replace")
    if len(encoded) <= MAX_NAME_BYTES:
        return base
    return encoded[-MAX_NAME_BYTES:].decode("utf-8", "ignore")


def ingest_paths(
    source: Source,
    lake: Lake,
    paths: Iterable[str | Path],
    *,
    now: datetime | None = None,
    progress: Callable[[int, int, IngestReport], None] | None = None,
    reference: bool = False,
) -> IngestReport:
    files = expand_paths(paths)
    ingestor = Ingestor(source, lake, now=now, reference=reference)
    for number, path in enumerate(files, start=1):
        ingestor.ingest_file(path)
        if progress:
            progress(number, len(files), ingestor.report)
    ingestor.record_violations()
    return ingestor.report
