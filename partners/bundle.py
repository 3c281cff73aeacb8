"""A partner's monthly bundle: the month's Parquet files, a manifest, and a signed
zero-PII certificate, in one ZIP.

::

    acme-2026-10-telemetry.zip
        README.txt
        manifest.json                      partner, period, every file's SHA-256, rows, schema
        data/partner_model_daily/part-00000.parquet
        data/partner_errors_daily/part-00000.parquet
        certificate.json                   the PII guard's result over exactly those files
        certificate.json.sig               Ed25519 signature of certificate.json (base64)
        public_key.pem                     the key that verifies it

The certificate is made by running the PII guard (privacy/guard/, Great
Expectations over the allow-list's rules) on the data of each file as it goes
into the ZIP, and names each file by its SHA-256: a partner who verifies the
signature and the hashes knows these bytes were checked, and what for. A file
that fails any rule stops the bundle; nothing is written.

The bundle is kept in the lake (``partner/bundles/<partner>/<month>/``) until
the month's telemetry is deleted after delivery; ``BUNDLE_CREATED`` is audited
with its SHA-256, which delivery and cleanup check against.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lakehouse.audit.log import AuditLog
from lakehouse.lake import Lake
from partners.analytics import PartitionFile, PartnerError, partition_files
from partners.history import month_state
from partners.signing import ALGORITHM, fingerprint, public_pem, sign
from privacy.catalog import Column, Table
from privacy.guard.report import GuardReport
from privacy.guard.run import guard_frames

BUNDLES = "partner/bundles/"
FORMAT_VERSION = 1
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the same files give the same entries
MANIFEST, CERTIFICATE, SIGNATURE, PUBLIC_KEY, README = (
    "manifest.json",
    "certificate.json",
    "certificate.json.sig",
    "public_key.pem",
    "README.txt",
)


def bundle_key(partner: str, month: str) -> str:
    return f"{BUNDLES}{partner}/{month}/{partner}-{month}-telemetry.zip"


def period(month: str) -> dict[str, str]:
    year, number = (int(part) for part in month.split("-"))
    last = calendar.monthrange(year, number)[1]
    return {"month": month, "first_day": f"{month}-01", "last_day": f"{month}-{last:02d}"}


def sql_type(arrow_type: pa.DataType) -> str:
    """A Parquet column's type as the allow-list's type families name it."""
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "double"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "varchar"
    if pa.types.is_list(arrow_type):
        return "varchar[]"
    return str(arrow_type)


@dataclass
class BundleFile:
    name: str  # path inside the ZIP
    table: str
    data: bytes
    rows: int
    schema: list[dict[str, str]]
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256(self.data).hexdigest()


def read_partition_file(lake: Lake, part: PartitionFile, index: int) -> tuple[BundleFile, Any]:
    """The file as it goes into the ZIP, and its rows as a DataFrame for the guard.
    Files written by Athena carry no partition columns (they are in the path):
    the guard sees them added back, as the table has them."""
    data = lake.read_bytes(part.key)
    table = pq.read_table(io.BytesIO(data))
    name = f"data/{part.table}/part-{index:05d}.parquet"
    schema = [{"name": f.name, "type": sql_type(f.type)} for f in table.schema]
    frame = table.to_pandas(date_as_object=False)  # dates as datetime64, as from the warehouse
    for column, value in (("partner_id", part.partner), ("month", part.month)):
        if column not in frame.columns:
            frame[column] = value
    if (frame["partner_id"] != part.partner).any() or (frame["month"] != part.month).any():
        raise PartnerError(
            f"{lake.uri(part.key)} holds rows of another partner or month than its path says"
        )
    return BundleFile(name, part.table, data, table.num_rows, schema), frame


@dataclass
class BuiltBundle:
    partner: str
    month: str
    key: str
    uri: str
    sha256: str
    size: int
    files: list[BundleFile]
    report: GuardReport
    replaced: str | None = None

    @property
    def rows(self) -> int:
        return sum(file.rows for file in self.files)


def certificate(
    partner: str, month: str, files: list[BundleFile], report: GuardReport, key, issued_at: str
) -> dict[str, Any]:
    tables = {result.relation: result for result in report.tables}
    return {
        "certificate": "zero-pii",
        "version": FORMAT_VERSION,
        "partner": partner,
        "period": period(month),
        "issued_at": issued_at,
        "result": "pass" if report.success else "fail",
        "statement": (
            "Each file listed here, identified by its SHA-256, was checked in full by the "
            "PII guard against the allow-list's rules: its columns are exactly the ones "
            "declared, every value has its declared type, and no text value holds an email "
            "address, a phone number, an IPv4 or IPv6 address, a UUID, a long hex id or free "
            "text. It holds runtime telemetry about the partner's models, nothing about a "
            "person or a conversation."
        ),
        "engine": f"great_expectations {version('great_expectations')} (pandas)",
        "allowlist": {"file": report.allowlist_file, "sha256": report.allowlist_sha256},
        "rules": report.patterns,
        "files": [
            {
                "name": file.name,
                "sha256": file.sha256,
                "rows": file.rows,
                "rows_checked": tables[file.name].rows_checked,
                "checks": [
                    {
                        "column": check.column,
                        "kind": check.kind,
                        "rule": check.rule,
                        "success": check.success,
                    }
                    for check in tables[file.name].checks
                ],
            }
            for file in files
        ],
        "signature": {
            "algorithm": ALGORITHM,
            "file": SIGNATURE,
            "public_key_file": PUBLIC_KEY,
            "public_key_sha256": fingerprint(key),
        },
    }


def _readme(partner: str, month: str, key_sha: str) -> str:
    return f"""Telemetry bundle for {partner}, {month}

Runtime telemetry about your models as our app used them: volumes, error rates,
latency and time-to-first-token percentiles and token totals per model and day
(data/partner_model_daily), and errors by code (data/partner_errors_daily). Parquet.
No user chat data and nothing that identifies a person is in it.

manifest.json         every file's SHA-256, row count and schema
certificate.json      the zero-PII certificate over exactly these files
certificate.json.sig  its Ed25519 signature (base64); verify with public_key.pem,
                      whose SHA-256 (of the raw 32-byte key) is {key_sha}
                      and should match the key we gave you separately.

To verify in Python (package `cryptography`):

    import base64, hashlib, json, zipfile
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    z = zipfile.ZipFile("{partner}-{month}-telemetry.zip")
    cert = z.read("certificate.json")
    load_pem_public_key(open("our_public_key.pem", "rb").read()).verify(
        base64.b64decode(z.read("certificate.json.sig")), cert)  # raises if forged
    for f in json.loads(cert)["files"]:
        assert hashlib.sha256(z.read(f["name"])).hexdigest() == f["sha256"]
"""


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = (
                zipfile.ZIP_STORED if name.endswith(".parquet") else zipfile.ZIP_DEFLATED
            )
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def build_bundle(
    lake: Lake,
    log: AuditLog,
    partner: str,
    month: str,
    signing_key,
    *,
    replace: bool = False,
    now: datetime | None = None,
) -> BuiltBundle:
    """Build, certify, sign and store the month's bundle; audits BUNDLE_CREATED.
    Raises PartnerError (nothing written) when it cannot."""
    key = bundle_key(partner, month)
    state = month_state(log, partner, month)
    if state.status == "deleted":
        raise PartnerError(
            f"{partner} {month}: the month's telemetry was deleted after delivery "
            f"({state.deleted_at}); there is nothing to bundle"
        )
    if state.delivery_confirmed:
        raise PartnerError(
            f"{partner} {month}: the bundle was delivered on {state.delivered_at} "
            f"(sha256 {(state.bundle_sha256 or '')[:12]}…); a delivered bundle is never rebuilt"
        )
    if lake.exists(key) and not replace:
        when = f" on {state.created.at}" if state.created else ""
        raise PartnerError(
            f"{partner} {month}: a bundle already exists{when} ({lake.uri(key)}); "
            "pass --replace to build it again (possible until it is delivered)"
        )
    parts = partition_files(lake, partner, month)
    if not parts:
        raise PartnerError(
            f"{partner} {month}: no partner analytics in the lake for this month "
            f"(partner/analytics/*/partner_id={partner}/month={month}/): was it built "
            "(`sage build`), and did the partner send telemetry that month?"
        )

    files, frames = [], []
    per_table: dict[str, int] = {}
    for part in parts:
        index = per_table[part.table] = per_table.get(part.table, -1) + 1
        file, frame = read_partition_file(lake, part, index)
        files.append(file)
        columns = tuple(Column(item["name"], item["type"]) for item in file.schema)
        table_columns = columns + tuple(
            Column(name, "varchar")
            for name in ("partner_id", "month")
            if name not in {column.name for column in columns}
        )
        frames.append((Table("gold", part.table, file.name, table_columns), frame))
    report = guard_frames(frames, source=f"bundle {partner} {month}")
    if not report.success:
        failures = "; ".join(
            f"{check.table} {check.column or ''} {check.rule}".strip()
            for check in report.failures[:5]
        )
        raise PartnerError(
            f"{partner} {month}: the PII guard failed on the bundle's files, nothing was "
            f"written: {failures}"
        )

    issued_at = (now or datetime.now(UTC)).isoformat(timespec="seconds").replace("+00:00", "Z")
    cert = certificate(partner, month, files, report, signing_key, issued_at)
    cert_bytes = (json.dumps(cert, indent=2, sort_keys=True) + "\n").encode()
    public = public_pem(signing_key)
    manifest: dict[str, Any] = {
        "bundle": "partner-telemetry",
        "version": FORMAT_VERSION,
        "partner": partner,
        "period": period(month),
        "created_at": issued_at,
        "files": [
            {
                "name": file.name,
                "table": file.table,
                "sha256": file.sha256,
                "bytes": len(file.data),
                "rows": file.rows,
                "schema": file.schema,
            }
            for file in files
        ],
        "certificate": {
            "file": CERTIFICATE,
            "sha256": hashlib.sha256(cert_bytes).hexdigest(),
            "signature_file": SIGNATURE,
            "public_key_file": PUBLIC_KEY,
            "public_key_sha256": fingerprint(signing_key),
        },
    }
    entries = [
        (README, _readme(partner, month, fingerprint(signing_key)).encode()),
        (MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()),
        *((file.name, file.data) for file in files),
        (CERTIFICATE, cert_bytes),
        (SIGNATURE, sign(signing_key, cert_bytes)),
        (PUBLIC_KEY, public),
    ]
    data = _zip(entries)
    sha = hashlib.sha256(data).hexdigest()
    replaced = state.bundle_sha256 if lake.exists(key) else None
    lake.write_bytes(key, data)
    built = BuiltBundle(partner, month, key, lake.uri(key), sha, len(data), files, report, replaced)
    log.append(
        "BUNDLE_CREATED",
        {
            "partner": partner,
            "month": month,
            "bundle": key,
            "sha256": sha,
            "bytes": len(data),
            "files": len(files),
            "rows": built.rows,
            "certificate_sha256": manifest["certificate"]["sha256"],
            "public_key_sha256": fingerprint(signing_key),
            "replaces": replaced,
        },
    )
    return built


@dataclass
class Verification:
    partner: str | None
    month: str | None
    files: int
    rows: int
    public_key_sha256: str | None
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(data: bytes, public_key=None) -> Verification:
    """What a partner checks: the signature (with the pinned key when given, else the
    bundled one), each file against the certificate's SHA-256, the manifest against
    both, and that nothing else is in the ZIP."""
    from partners.signing import SigningKeyError, load_public_pem, verify

    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return Verification(None, None, 0, 0, None, [f"not a ZIP file: {exc}"])
    names = set(archive.namelist())
    for required in (MANIFEST, CERTIFICATE, SIGNATURE, PUBLIC_KEY):
        if required not in names:
            problems.append(f"{required} is missing")
    if problems:
        return Verification(None, None, 0, 0, None, problems)
    cert_bytes = archive.read(CERTIFICATE)
    try:
        cert = json.loads(cert_bytes)
        manifest = json.loads(archive.read(MANIFEST))
    except ValueError as exc:
        return Verification(None, None, 0, 0, None, [f"unreadable JSON: {exc}"])
    try:
        key = public_key or load_public_pem(archive.read(PUBLIC_KEY))
    except SigningKeyError as exc:
        return Verification(None, None, 0, 0, None, [str(exc)])
    key_sha = fingerprint(key)
    if not verify(key, cert_bytes, archive.read(SIGNATURE)):
        problems.append("the certificate's signature does not verify with the public key")
    if cert.get("signature", {}).get("public_key_sha256") != key_sha:
        problems.append("the certificate names another signing key")
    if cert.get("result") != "pass":
        problems.append(f"the certificate's result is {cert.get('result')!r}, not 'pass'")
    certified = {item["name"]: item for item in cert.get("files", [])}
    listed = {item["name"]: item for item in manifest.get("files", [])}
    if set(certified) != set(listed):
        problems.append("the manifest and the certificate list different files")
    expected = {MANIFEST, CERTIFICATE, SIGNATURE, PUBLIC_KEY, README} | set(certified)
    for extra in sorted(names - expected):
        problems.append(f"{extra} is in the ZIP but not in the certificate")
    for name, item in sorted(certified.items()):
        if name not in names:
            problems.append(f"{name} is certified but missing from the ZIP")
            continue
        actual = hashlib.sha256(archive.read(name)).hexdigest()
        if actual != item.get("sha256"):
            problems.append(f"{name} does not match its certified SHA-256")
        if name in listed and listed[name].get("sha256") != item.get("sha256"):
            problems.append(f"{name}: the manifest and the certificate disagree on its SHA-256")
    if manifest.get("certificate", {}).get("sha256") != hashlib.sha256(cert_bytes).hexdigest():
        problems.append("the manifest names another certificate")
    for field_name in ("partner", "period"):
        if manifest.get(field_name) != cert.get(field_name):
            problems.append(f"the manifest and the certificate disagree on the {field_name}")
    return Verification(
        cert.get("partner"),
        (cert.get("period") or {}).get("month"),
        len(certified),
        sum(int(item.get("rows", 0)) for item in certified.values()),
        key_sha,
        problems,
    )
