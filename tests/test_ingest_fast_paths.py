"""The fast paths land exactly what the reference parsers land.

A source's ``land`` (whole files, few Python objects) must leave the lake as
its ``parse`` (record by record) does: the same object names, the same Bronze
lines byte for byte, the same quarantine records and the same counts. Each test
ingests the same input twice, once each way, and compares everything written.
The inputs are the real-format fixtures, a generated sample with every kind of
defect, and files built here to hit each rule at and around its boundary.
"""

from __future__ import annotations

import base64
import copy
import gzip
import itertools
import json
import random
from datetime import UTC, date, datetime
from pathlib import Path

import msgspec
import orjson
import pytest

from ingest import limits
from ingest.pipeline import Ingestor, IngestReport
from ingest.records import IngestContext, Landing
from ingest.sources import get_source
from ingest.sources.lambda_emf import fast as lambda_emf
from lakehouse.lake import LocalLake
from tests.conftest import FIXTURES

NOW = datetime(2026, 4, 22, tzinfo=UTC)


def ingest_both(tmp_path: Path, source: str, files: list[Path]) -> tuple[dict, dict]:
    """(reference, fast): each the report and every object's key and content."""
    results = []
    for way in ("reference", "fast"):
        lake = LocalLake(tmp_path / way)
        ingestor = Ingestor(get_source(source), lake, now=NOW, reference=way == "reference")
        for path in files:
            ingestor.ingest_file(path)
        results.append(written(lake, ingestor.report))
    return results[0], results[1]


def written(lake: LocalLake, report: IngestReport) -> dict:
    objects = {}
    for item in lake.list(""):
        data = lake.read_bytes(item.key)
        if item.key.endswith(".ndjson.gz"):
            data = gzip.decompress(data)
        # The whole-file quarantine record names the copy, which is inside each lake.
        objects[item.key] = data.replace(str(lake.root).encode(), b"<lake>")
    return {"report": report.as_dict(), "objects": objects}


def assert_same(reference: dict, fast: dict) -> None:
    assert fast["report"] == reference["report"]
    assert sorted(fast["objects"]) == sorted(reference["objects"])
    for key, content in reference["objects"].items():
        assert fast["objects"][key] == content, key


# --- Turn logs ----------------------------------------------------------------------


@pytest.mark.parametrize("fixture", sorted((FIXTURES / "lambda_emf").iterdir()), ids=str)
def test_lambda_emf_fixtures(tmp_path, fixture):
    assert_same(*ingest_both(tmp_path, "lambda_emf", [fixture]))


def test_lambda_emf_fast_path_takes_the_clean_records(tmp_path):
    """Not a vacuous comparison: clean turns do not go through the reference."""
    fixture = FIXTURES / "lambda_emf" / "cloudwatch_subscription.json"
    data = orjson.dumps(json.loads(fixture.read_bytes()))  # as CloudWatch writes it: one line
    landing = Landing("lambda_emf", set())
    calls = []
    original = lambda_emf.parse_message
    try:
        lambda_emf.parse_message = lambda *args: calls.append(args) or original(*args)
        lambda_emf.land(data, IngestContext.at(NOW), landing)
    finally:
        lambda_emf.parse_message = original
    assert landing.read == 3 and landing.landed == 3
    assert len(calls) == 1  # the turn with a field Bronze does not know


def _turn() -> dict:
    payload = json.loads((FIXTURES / "lambda_emf" / "cloudwatch_subscription.json").read_text())
    return json.loads(payload["logEvents"][0]["message"])


EARLIEST_MS = 1_577_836_800_000  # 2020-01-01
REQUEST_ID = "5c1f0a2e-7b3d-4e8f-9a6b-1c2d3e4f5a6b"
LATEST_MS = int((NOW.timestamp() + 86_400) * 1000)
HEX = "5b8ca42d686116c705e16766c2c30abe20930477a0c32fd71a84185473898885"


def _field_variants() -> list[tuple[str, object]]:
    """(field, value) pairs at and around each rule's boundary; None removes the field."""
    texts = ["", "x", "é", "😀" * 64, "a" * 64, "a" * 65, "a" * 128, "a" * 129, "a" * 200]
    texts += ["a" * 201, 'quote " back \\ slash', "tab\tnew\nline\x00\x1f\x7f", "\u2028", 7, True]
    numbers = [0, 1, -1, 5.0, 5.5, "5", True, None, 2**63, 2**64, 10**30, 1e300, -0.0]
    variants: list[tuple[str, object]] = []
    for name in ("model_id", "route", "region", "device", "request_id"):
        variants += [(name, value) for value in [*texts, None]]
    for name, top in (
        ("turn_index", 100_000),
        ("latency_ms", 3_600_000),
        ("tokens_in", 10_000_000),
        ("tokens_out", 10_000_000),
        ("tokens_cache_read", 10_000_000),
        ("tokens_cache_write", 10_000_000),
    ):
        variants += [(name, value) for value in [*numbers, top, top + 1, float(top)]]
    for name in ("uid", "cid"):
        variants += [
            (name, value)
            for value in [HEX, HEX.upper(), HEX[:63], HEX + "0", HEX[:63] + "g", HEX + "\n", 1]
        ]
    variants += [("cost_usd", value) for value in [*numbers, 0.0179, 1e-7, 9.99e15, 1e16, 1e17]]
    variants += [("crisis_flag", value) for value in ["none", "high", "HIGH", "", 1, None]]
    variants += [("experiment_arm", "b"), ("_aws", None), ("_aws", []), ("_aws", {})]
    return variants


def _aws_variants(turn: dict) -> list[object]:
    aws = turn["_aws"]
    timestamps = [EARLIEST_MS - 1, EARLIEST_MS, LATEST_MS, LATEST_MS + 1, 86_400_000]
    timestamps += [float(aws["Timestamp"]), aws["Timestamp"] + 0.5, str(aws["Timestamp"])]
    # The same instant in seconds, microseconds and nanoseconds; past any unit.
    timestamps += [aws["Timestamp"] // 1000, aws["Timestamp"] * 1000, aws["Timestamp"] * 10**6]
    timestamps += [99999999999999999, 10**20, -aws["Timestamp"], 1e300]
    variants: list[object] = [{**aws, "Timestamp": value} for value in timestamps]
    variants.append({key: value for key, value in aws.items() if key != "Timestamp"})
    variants.append({**aws, "LogGroupName": "/aws/lambda/innerverse-chat"})
    variants.append({**aws, "Other": 1})
    variants.append({**aws, "StorageResolution": 1})
    metrics = copy.deepcopy(aws)
    metrics["CloudWatchMetrics"][0]["Metrics"][0]["StorageResolution"] = 1
    variants.append(metrics)
    extra = copy.deepcopy(aws)
    extra["CloudWatchMetrics"][0]["Extra"] = True
    variants.append(extra)
    return variants


def _messages() -> list[str]:
    """Turn messages: clean ones, one per boundary case, and damaged text."""
    turn = _turn()
    messages = [json.dumps(turn), orjson.dumps(turn).decode()]
    for name, value in _field_variants():
        changed = dict(turn)
        if value is None:
            changed.pop(name, None)
        else:
            changed[name] = value
        messages.append(json.dumps(changed))
        if value is not None:
            messages.append(json.dumps({**turn, name: None}))
    for aws in _aws_variants(turn):
        messages.append(json.dumps({**turn, "_aws": aws}))
    text = json.dumps(turn)
    # JSON that decoders disagree on, or that only some accept.
    messages += [
        text[:-1] + ', "tokens_in": 7}',  # a duplicate key: the last one counts
        text[:-1] + ', "tokens_in": 7, "tokens_in": 120}',
        text.replace('"Namespace": "Innerverse"', '"Namespace": "Innerverse", "N": 1e999'),
        text.replace('"Namespace": "Innerverse"', '"Namespace": "Innerverse", "N": 1' + "0" * 400),
        text.replace('"tokens_in": 120', '"tokens_in": 1' + "0" * 400),
        text.replace('"_aws": {', '"_aws": {"Other": 1e999, '),
        text.replace('"_aws": {', '"_aws": {"Other": 1' + "0" * 400 + ", "),
        text.replace('"Unit": "Count"', '"Unit": "Count", "StorageResolution": 1' + "0" * 400),
        text.replace('"cost_usd": 0.0179', '"cost_usd": 1e999'),
        text.replace('"cost_usd": 0.0179', '"cost_usd": 0.01790000000000000000001'),
        text.replace('"route": "/invoke"', '"route": "\\ud83d\\ude00"'),
        text.replace('"route": "/invoke"', '"route": "\\ud800"'),
        text.replace('"route": "/invoke"', '"route": "\\/invoke"'),
        text.replace('"route": "/invoke"', '"route": "a\tb"'),
        "\ufeff" + text,
        " " + text + " \n",
        text + text,
        "[" + text + "]",
        "null",
        "",
        "START RequestId: 5c1f Version: $LATEST",
        # What the Lambda runtimes write before a line (Node.js, Python's logging).
        f"2026-04-21T10:00:00.123Z\t{REQUEST_ID}\tINFO\t{text}\n",
        f"2026-04-21T10:00:00.123Z\t{REQUEST_ID}\tERROR\t{text}",
        f"[INFO]\t2026-04-21T10:00:00.123Z\t{REQUEST_ID}\t{text}\n",
        f"[WARNING]\t2026-04-21T10:00:00Z\t{REQUEST_ID}\t{text.replace('120', '121')}",
        f"2026-04-21T10:00:00.123Z\t{REQUEST_ID}\tINFO\t{text[:-9]}",
        f"2026-04-21T10:00:00.123Z\t{REQUEST_ID}\tINFO\t{json.dumps({**turn, 'uid': 'x'})}",
        f"2026-04-21T10:00:00.123Z\t{REQUEST_ID}\tINFO\tCloudWatchMetrics",
        f"2026-04-21 10:00:00.123\t{REQUEST_ID}\tINFO\t{text}",
        f"[INFO]\t2026-04-21T10:00:00.123Z\t\t{text}",
        f"INFO\t{text}",
        # Over the limits: a record too large, a document nested too deep.
        json.dumps({**turn, "note": "x" * limits.MAX_RECORD_BYTES}),
        json.dumps({**turn, "nested": json.loads("[" * 150 + "]" * 150)}),
    ]
    rng = random.Random(20260422)
    for _ in range(300):  # random damage: mostly malformed JSON, sometimes still valid
        chars = list(text)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(chars))
            action = rng.randrange(3)
            if action == 0:
                del chars[at]
            elif action == 1:
                chars.insert(at, rng.choice('{}[]",:0123456789.eE-+ \\tnulfase'))
            else:
                chars[at] = rng.choice('{}[]",:0123456789.eE-+ \\tnulfase')
        messages.append("".join(chars))
    return messages


def _payload(messages: list, **extra) -> dict:
    events = [
        {"id": f"{index:056d}", "timestamp": 1776765600000, "message": message}
        for index, message in enumerate(messages)
    ]
    return {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/aws/lambda/innerverse-chat",
        "logStream": "2026/04/21/[$LATEST]0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "subscriptionFilters": ["innerverse-turns-to-firehose"],
        "logEvents": events,
        **extra,
    }


def _payloads() -> list[bytes]:
    messages = _messages()
    payloads = [
        _json(_payload(messages[start : start + 40])) for start in range(0, len(messages), 40)
    ]
    clean = _payload(messages[:2])
    odd = [
        {**clean, "messageType": "CONTROL_MESSAGE"},
        {**clean, "extra": 1},
        {**clean, "logEvents": [{"message": messages[0]}]},
        {**clean, "logEvents": [{"message": messages[0], "timestamp": 10**30}]},
        {**clean, "logEvents": [{"message": messages[0], "timestamp": 1.5}]},
        {**clean, "logEvents": [{"id": "1"}, {"message": 7}, "text", None]},
        {**clean, "logEvents": {"message": messages[0]}},
        {key: value for key, value in clean.items() if key != "logEvents"},
        [clean],
        "text",
    ]
    payloads += [_json(payload) for payload in odd]
    return payloads


def _json(value: object) -> bytes:
    """As CloudWatch writes a payload: one line, no spaces, UTF-8 text unescaped."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "layout",
    ["back_to_back", "one_per_line", "crlf", "blank_lines"],
)
def test_lambda_emf_every_rule_at_its_boundary(tmp_path, layout):
    payloads = _payloads()
    joined = {
        "back_to_back": b"".join(payloads),
        "one_per_line": b"\n".join(payloads) + b"\n",
        "crlf": b"\r\n".join(payloads),
        "blank_lines": b"\n\n  \n".join(payloads),
    }[layout]
    path = tmp_path / "input" / f"{layout}.json.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress(joined))
    reference, fast = ingest_both(tmp_path, "lambda_emf", [path])
    assert_same(reference, fast)
    assert reference["report"]["landed"] > 100
    assert len(reference["report"]["quarantined_by_reason"]) == 9  # every reason it has


def test_lambda_emf_file_that_is_not_one_payload_per_line(tmp_path):
    """Pretty-printed or damaged between payloads: the reference walks the whole file."""
    payloads = _payloads()[:3]
    pretty = json.dumps(json.loads(payloads[0]), indent=2).encode()
    damaged = payloads[1][: len(payloads[1]) // 2]
    # Values orjson refuses, where a decoder that skipped them would not notice.
    refused = {
        "infinite": payloads[2].replace(b'"owner"', b'"owner":1e999,"x"'),
        "huge": payloads[2].replace(b'"timestamp":', b'"timestamp":1' + b"0" * 400 + b',"x":'),
        "in_event": payloads[2].replace(b'"timestamp":', b'"x":1e999,"timestamp":'),
    }
    inputs = tmp_path / "input"
    inputs.mkdir()
    for name, data in {"pretty": pretty, "damaged": damaged, **refused}.items():
        (inputs / name).write_bytes(payloads[0] + b"\n" + data + b"\n" + payloads[2])
    assert_same(*ingest_both(tmp_path, "lambda_emf", sorted(inputs.iterdir())))


def test_lambda_emf_bytes_that_are_not_utf8_either_way(tmp_path):
    """Invalid UTF-8 in a message once escaped the fast path as a UnicodeDecodeError."""
    payloads = _payloads()[:3]
    damaged = payloads[1].replace(b'"message":"', b'"message":"\xff', 1)
    inputs = tmp_path / "input"
    inputs.mkdir()
    (inputs / "among-others").write_bytes(b"\n".join([payloads[0], damaged, payloads[2]]))
    (inputs / "alone").write_bytes(damaged)
    reference, fast = ingest_both(tmp_path, "lambda_emf", sorted(inputs.iterdir()))
    assert_same(reference, fast)
    assert reference["report"]["quarantined_by_reason"]["malformed_json"] >= 1
    assert reference["report"]["files_rejected"] == 1  # alone, the payload is the whole file


@pytest.mark.parametrize("shape", ["compact", "pretty", "one_per_line"])
def test_lambda_emf_subscription_events_either_way(tmp_path, shape):
    """{"awslogs": {"data": ...}} as a Lambda gets it: one, or several one per line."""
    payloads = _payloads()

    def event(payload: bytes) -> dict:
        return {"awslogs": {"data": base64.b64encode(gzip.compress(payload)).decode()}}

    if shape == "one_per_line":
        data = b"\n".join(json.dumps(event(payload)).encode() for payload in payloads)
    else:
        data = json.dumps(event(b"\n".join(payloads)), indent=2 if shape == "pretty" else None)
        data = data.encode()
    path = tmp_path / "input" / "event.json"
    path.parent.mkdir()
    path.write_bytes(data)
    reference, fast = ingest_both(tmp_path, "lambda_emf", [path])
    assert_same(reference, fast)
    assert reference["report"]["landed"] > 100


def test_lambda_emf_redelivery_across_files_is_a_duplicate_either_way(tmp_path):
    source = FIXTURES / "lambda_emf" / "cloudwatch_subscription.json"
    copy_path = tmp_path / "input" / "again.json"
    copy_path.parent.mkdir()
    copy_path.write_bytes(source.read_bytes() + b"\n")
    reference, fast = ingest_both(tmp_path, "lambda_emf", [source, copy_path])
    assert_same(reference, fast)
    assert reference["report"]["duplicates"] == 3


def test_msgspec_writes_what_orjson_writes(tmp_path):
    """The fast path encodes with msgspec; below 1e16 its output is orjson's."""
    rng = random.Random(7)
    values: list[object] = [0.0, -0.0, 0.0179, 1e-7, 5e-324, 9.999999999999998e15, None, 0]
    values += [2**63 - 1, -(2**63), "", '\x00\x1f\x7f\u2028"\\/é😀', True]
    values += [rng.uniform(0, 1) * 10 ** rng.randint(-30, 15) for _ in range(20_000)]
    values += [chr(code) for code in range(0x2100)]
    for value in values:
        assert msgspec.json.encode(value) == orjson.dumps(value), value


@pytest.fixture(scope="module")
def defective_sample(tmp_path_factory) -> Path:
    from sample_data.generate import generate

    sample = tmp_path_factory.mktemp("fast-paths") / "sample"
    generate(sample, users=60, days=4, start=date(2026, 4, 10), seed=5)
    return sample


def test_lambda_emf_generated_sample(tmp_path, defective_sample):
    files = sorted(path for path in (defective_sample / "lambda_emf").rglob("*") if path.is_file())
    reference, fast = ingest_both(tmp_path, "lambda_emf", files)
    assert_same(reference, fast)
    assert reference["report"]["duplicates"] > 0
    assert reference["report"]["quarantined"] > 0


# --- CloudFront ---------------------------------------------------------------------

CLOUDFRONT = FIXTURES / "cloudfront"


@pytest.mark.parametrize("fixture", sorted(CLOUDFRONT.iterdir()), ids=str)
def test_cloudfront_fixtures(tmp_path, fixture):
    assert_same(*ingest_both(tmp_path, "cloudfront", [fixture]))


def test_cloudfront_generated_sample(tmp_path, defective_sample):
    files = sorted(path for path in (defective_sample / "cloudfront").rglob("*") if path.is_file())
    reference, fast = ingest_both(tmp_path, "cloudfront", files)
    assert_same(reference, fast)
    assert reference["report"]["duplicates"] > 0
    assert reference["report"]["quarantined"] > 0
    assert reference["report"]["files_rejected"] == 1


def _cloudfront_lines() -> tuple[list[str], list[dict[str, str]]]:
    """The #Fields names of the fixture's current layout, and its lines as dicts."""
    text = gzip.decompress((CLOUDFRONT / "E2M8T6S9SM3OQY.2026-04-21-10.a1b2c3d4.gz").read_bytes())
    names = text.decode().split("\n")[1][len("#Fields: ") :].split()
    rows = [
        dict(zip(names, line.split("\t"), strict=True)) for line in text.decode().split("\n")[2:8]
    ]
    return names, rows


CLOUDFRONT_VARIANTS: dict[str, list[str]] = {
    "date": ["2026-13-01", "2026-4-21", "2026-02-30", "\u0662\u0660\u0662\u0666-04-21",
             "2019-12-31", "2026-04-23", "2026-04-24", "2020-01-01", "-"],
    "time": ["24:00:00", "23:59:60", "23:59:59", "00:00:00", "0\u0663:00:00", "1:00:00", "10:60:00",
             "-", "10:00"],
    "sc-bytes": ["-", "", "12a", "\u0663", "\u00b2", "007", "9" * 30, "-1", " 1"],
    "cs-bytes": ["-", "0", "1.5"],
    "sc-content-len": ["-", "x"],
    "sc-status": ["-", "2x0", "", "404", "\u0664\u0660\u0664"],
    "time-taken": ["-", "", "0.052", "1e3", "inf", "nan", "1.2.3", "\u0661.\u0665", "1" * 400,
                   ".5", "5.", "-1", "0.0005", "0.0015", "12345678901234567"],
    "time-to-first-byte": ["-", "0.001", "x"],
    "c-ip": ["-", "", "999.1.1.1", "::1", "2001:db8::1", "1.2.3.04", "a:b", "1.2.3", "10.0.0.1"],
    "cs-uri-stem": ["-", "/a%20b", "/%zz", "/caf%C3%A9", ""],
    "cs(Referer)": ["-", "https://a.example/x?y", "%zz", "http://[::1", "https://B.EXAMPLE/",
                    "https://xn--caf-dma.example/", ""],
    "cs(User-Agent)": ["-", "", "curl/8.5.0", "Mozilla/5.0%2520(X11;%20Linux%20x86_64)", "%",
                       "Googlebot/2.1"],
    "x-edge-location": ["-", "X", "ZZZ1", "sea19-c1", "LHR61-P2", ""],
    "x-edge-request-id": ["-", "", "REQID-DUPLICATE", "REQID-DUPLICATE"],
    "cs-method": ["-", "POST", '"quoted"', "\\back"],
}  # fmt: skip


@pytest.mark.parametrize("layout", ["line_by_line", "plain_text"])
def test_cloudfront_every_rule_at_its_boundary(tmp_path, layout):
    """Each odd value in a run of its own (a #Fields line starts a run), among clean
    lines, so that the whole-column conversions meet it; then lines with two or three
    odd values, where the order of the checks matters; then whole runs of one date.
    Blank lines, a carriage return or a line that is not UTF-8 make the file read line
    by line; without them it is read as plain text, a run at a time."""
    names, rows = _cloudfront_lines()
    header = "#Fields: " + " ".join(names)
    numbers = itertools.count()

    def line(**change: str) -> str:
        row = {**rows[next(numbers) % 4], "x-edge-request-id": f"REQ{next(numbers):053d}"}
        return "\t".join({**row, **change}.values())

    lines = ["#Version: 1.0", line()]  # a line before any #Fields line
    rng = random.Random(20260422)
    changes = [{name: value} for name, values in CLOUDFRONT_VARIANTS.items() for value in values]
    for _ in range(300):
        chosen = rng.sample(sorted(CLOUDFRONT_VARIANTS), rng.randint(2, 3))
        changes.append({name: rng.choice(CLOUDFRONT_VARIANTS[name]) for name in chosen})
    for change in changes:
        lines += [header, line(), line(**change), line()]
    for day in CLOUDFRONT_VARIANTS["date"]:
        lines += [header, *(line(date=day, time=time) for time in ("00:00:00", "10:00:00"))]
    lines += [header, line()[:-5], line() + "\textra", "#Version: 1.0", line(), line()]
    if layout == "line_by_line":
        lines += ["", "\r", "\r\r", line()]
    lines += ["#Fields: date time c-ip", line()]  # an unusable #Fields line
    custom = ["time", "x-edge-location", "date", "c-ip", "cs-method", "cs-uri-stem", "sc-status",
              "asn", "cs(Referer)"]  # fmt: skip
    lines.append("#Fields: " + " ".join(custom))
    lines += ["\t".join({**rows[0], "asn": "7922"}.get(name, "-") for name in custom)] * 2
    data = ("\n".join(lines) + "\n").encode()
    if layout == "line_by_line":
        data += b"2026-04-21\t10:00:00\t\xff\xfe\n"
    path = tmp_path / "input" / "E2M8T6S9SM3OQY.2026-04-21-10.variants.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress(data))
    reference, fast = ingest_both(tmp_path, "cloudfront", [path])
    assert_same(reference, fast)
    assert reference["report"]["landed"] > 500
    assert reference["report"]["quarantined"] > 200
    assert reference["report"]["duplicates"] > 0


@pytest.mark.parametrize("layout", ["whole_file", "utf8_error"])
def test_cloudfront_many_lines_each_layout(tmp_path, layout):
    """Many clean lines in a run: the column-at-a-time conversions, not only fallbacks."""
    names, rows = _cloudfront_lines()
    body = [
        "\t".join({**row, "x-edge-request-id": f"REQ{number:053d}"}.values())
        for number, row in enumerate(rows * 50)
    ]
    data = ("#Version: 1.0\n#Fields: " + " ".join(names) + "\n" + "\n".join(body)).encode()
    if layout == "utf8_error":
        data += b"\n2026-04-21\t10:00:00\t\xff\n"
    path = tmp_path / "input" / "clean.log"
    path.parent.mkdir()
    path.write_bytes(data)
    reference, fast = ingest_both(tmp_path, "cloudfront", [path])
    assert_same(reference, fast)
    assert reference["report"]["landed"] >= len(body) // 2


def test_cloudfront_values_that_crashed_the_ingest_are_quarantined_either_way(tmp_path):
    """A time of "inf" or "1e999" and a byte count of "²" once stopped the whole ingest."""
    names, rows = _cloudfront_lines()
    for name, value in (("time-taken", "inf"), ("sc-bytes", "\u00b2"), ("time-taken", "1e999")):
        text = "#Fields: " + " ".join(names) + "\n" + "\t".join({**rows[0], name: value}.values())
        path = tmp_path / "input" / f"{name}-{len(value)}.log"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text + "\n")
        reference, fast = ingest_both(tmp_path / path.name, "cloudfront", [path])
        assert_same(reference, fast)
        assert reference["report"]["quarantined"] == 1


def test_cloudfront_line_of_carriage_returns_is_blank_either_way(tmp_path):
    """A line of nothing but carriage returns once stopped the whole file's ingest."""
    names, rows = _cloudfront_lines()
    good = [
        "\t".join({**row, "x-edge-request-id": f"REQ{n:053d}"}.values())
        for n, row in enumerate(rows)
    ]
    text = "#Fields: " + " ".join(names) + "\n" + "\n\r\r\n".join(good) + "\n\r\r\r\n"
    path = tmp_path / "input" / "carriage-returns.log"
    path.parent.mkdir()
    path.write_text(text)
    reference, fast = ingest_both(tmp_path, "cloudfront", [path])
    assert_same(reference, fast)
    # the blank lines are no records; every line of the log is one
    assert reference["report"]["records_read"] == len(good)


def test_cloudfront_redelivery_across_files_is_a_duplicate_either_way(tmp_path):
    source = CLOUDFRONT / "E1Q2W3E4R5T6Y7.2026-04-21-11.custom-order.log"
    again = tmp_path / "input" / "E1Q2W3E4R5T6Y7.2026-04-21-11.again.log"
    again.parent.mkdir()
    again.write_bytes(source.read_bytes())
    reference, fast = ingest_both(tmp_path, "cloudfront", [source, again])
    assert_same(reference, fast)
    assert reference["report"]["duplicates"] == reference["report"]["landed"] > 0
