"""A seeded mutation fuzz of every source (through `sage ingest`) and every Lambda
handler: no input may raise, and the lake must hold exactly what the summary says.

For each case, real input (the fixtures and a small generated sample) is damaged
by tests/mutations.py, then ingested into a fresh lake. Asserted every time:

- nothing escapes: `sage ingest` returns 0, or 1 when a file was unreadable;
  a handler returns its counts or an HTTP answer;
- read = landed + duplicate + quarantined;
- the lake's Bronze lines are the landed records, its quarantine lines the
  quarantined records plus one per unreadable file;
- for the sources with a fast path, the fast path and the reference parser
  write the same objects, byte for byte.

`make test` runs a few hundred cases; `make fuzz CASES=N` runs N per source and
handler (default 2,000) and prints a summary of each. A failing case names its
seed and number, so it can be run again alone with ``SAGE_FUZZ_SEED`` and
``SAGE_FUZZ_CASES``.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import gzip
import io
import json
import os
import random
import shutil
import traceback
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest import handler as handlers
from ingest.pipeline import Ingestor
from ingest.sources import SOURCES, get_source
from lakehouse.lake import LocalLake
from sage.cli import main
from tests.conftest import FIXTURES
from tests.mutations import mutate, mutate_value

CASES = int(os.environ.get("SAGE_FUZZ_CASES", "40"))
SEED = int(os.environ.get("SAGE_FUZZ_SEED", "20260422"))
NOW = datetime(2026, 4, 22, tzinfo=UTC)
SEED_BYTES = 48_000  # a seed file is cut (at a line end) to about this size


def count_lines(lake: LocalLake, prefix: str) -> int:
    return sum(
        gzip.decompress(lake.read_bytes(item.key)).count(b"\n")
        for item in lake.list(prefix)
        if item.key.endswith(".ndjson.gz")
    )


def written(lake: LocalLake) -> dict[str, bytes]:
    objects = {}
    for item in lake.list(""):
        data = lake.read_bytes(item.key)
        if item.key.endswith(".ndjson.gz"):
            data = gzip.decompress(data)
        objects[item.key] = data.replace(str(lake.root).encode(), b"<lake>")
    return objects


def _cut(data: bytes) -> bytes:
    if len(data) <= SEED_BYTES:
        return data
    end = data.rfind(b"\n", 0, SEED_BYTES)
    return data[: end if end > 0 else SEED_BYTES]


def _content(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, list[bytes]]:
    """Real input of each source: its fixtures and a few files of a generated sample."""
    from sample_data.generate import generate

    sample = tmp_path_factory.mktemp("fuzz") / "sample"
    generate(sample, users=25, days=2, start=datetime(2026, 4, 19).date(), seed=7)
    found: dict[str, list[bytes]] = {}
    for name in SOURCES:
        files = sorted((FIXTURES / name).iterdir())
        files += sorted(path for path in (sample / name).rglob("*") if path.is_file())[:4]
        found[name] = [_cut(_content(path)) for path in files]
    return found


class Tally:
    """What a fuzz run saw, printed as its summary; problems fail the test."""

    def __init__(self, what: str):
        self.what = what
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.problems: list[str] = []

    def problem(self, case: int, message: str) -> None:
        self.problems.append(f"{self.what} seed {SEED} case {case}: {message}")

    def summary(self) -> str:
        counts = ", ".join(f"{name} {count:,}" for name, count in sorted(self.counts.items()))
        reasons = ", ".join(f"{name} {count:,}" for name, count in self.reasons.most_common())
        return (
            f"fuzz {self.what}: {counts}; tracebacks and mismatches {len(self.problems)}"
            f"\n  quarantined by reason: {reasons or 'none'}"
        )

    def finish(self) -> None:
        print(self.summary())
        assert not self.problems, "\n\n".join(self.problems[:10])


# --- Every source through `sage ingest` -------------------------------------------------


def _case_files(folder: Path, seeds: list[bytes], rng: random.Random) -> list[Path]:
    """One damaged file; sometimes the same bytes again under another name, another
    damaged file, or a name as long as a file name may be."""
    folder.mkdir(parents=True)
    contents = [mutate(rng.choice(seeds), rng)]
    if rng.random() < 0.2:
        contents.append(contents[0])
    if rng.random() < 0.2:
        contents.append(mutate(rng.choice(seeds), rng))
    paths = []
    for number, content in enumerate(contents):
        name = f"{number}-" + ("n" * 230 if rng.random() < 0.05 else "input") + ".json"
        paths.append(folder / name)
        paths[-1].write_bytes(content)
    return paths


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_sage_ingest_of_damaged_input(source, seeds, tmp_path):
    rng = random.Random(f"{SEED}/{source}")
    tally = Tally(f"sage ingest --source {source}")
    has_fast_path = SOURCES[source].land is not None
    for case in range(CASES):
        work = tmp_path / f"case-{case}"
        paths = _case_files(work / "in", seeds[source], rng)
        lake = LocalLake(work / "lake")
        out, err = io.StringIO(), io.StringIO()
        argv = ["ingest", "--source", source, "--lake", str(lake.root), "--json"]
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main([*argv, *map(str, paths)])
            summary = json.loads(out.getvalue())
        except Exception:
            tally.problem(case, f"inputs kept in {work / 'in'}\n{traceback.format_exc()}")
            continue
        problems = len(tally.problems)
        _check_summary(tally, case, summary, lake, status)
        if has_fast_path:
            _check_fast_path(tally, case, source, paths, work)
        if len(tally.problems) == problems:
            shutil.rmtree(work)  # a failing case's inputs are kept for a look
    tally.finish()


def _check_summary(tally: Tally, case: int, summary: dict, lake: LocalLake, status: int) -> None:
    tally.counts["cases"] += 1
    tally.counts["exit 1"] += status == 1
    for name in ("records_read", "landed", "duplicates", "quarantined", "files_rejected"):
        tally.counts[name] += summary[name]
    tally.reasons.update(summary["quarantined_by_reason"])
    read = summary["records_read"]
    accounted = summary["landed"] + summary["duplicates"] + summary["quarantined"]
    if read != accounted:
        tally.problem(case, f"read {read} != landed + duplicate + quarantined {accounted}")
    if status != (1 if summary["files_rejected"] else 0):
        tally.problem(case, f"exit status {status} with {summary['files_rejected']} unreadable")
    bronze, quarantine = count_lines(lake, "bronze/"), count_lines(lake, "quarantine/")
    if bronze != summary["landed"]:
        tally.problem(case, f"Bronze holds {bronze} lines, the summary says {summary['landed']}")
    expected = summary["quarantined"] + summary["files_rejected"]
    if quarantine != expected:
        tally.problem(case, f"quarantine holds {quarantine} lines, the summary says {expected}")


def _check_fast_path(tally: Tally, case: int, source: str, paths: list[Path], work: Path) -> None:
    results = []
    for reference in (False, True):
        lake = LocalLake(work / f"lake-{reference}")
        ingestor = Ingestor(get_source(source), lake, now=NOW, reference=reference)
        try:
            for path in paths:
                ingestor.ingest_file(path)
        except Exception:
            tally.problem(case, traceback.format_exc())
            return
        results.append((ingestor.report.as_dict(), written(lake)))
    (fast_report, fast), (reference_report, reference) = results
    if fast_report != reference_report or fast != reference:
        differ = sorted(
            key for key in fast.keys() | reference.keys() if fast.get(key) != reference.get(key)
        )
        tally.problem(
            case,
            f"the fast path and the reference parser wrote different objects ({differ[:3]}); "
            f"inputs kept in {paths[0].parent}",
        )


# --- The Lambda handlers -------------------------------------------------------------


def _events(seeds: dict[str, list[bytes]], trigger: str) -> list[dict]:
    """Real-shaped events for a handler, from the fixtures and the sample."""
    events = []
    if trigger == "cloudwatch_logs":
        for payload in seeds["lambda_emf"]:
            data = base64.b64encode(gzip.compress(payload, mtime=0)).decode()
            events.append({"awslogs": {"data": data}})
    elif trigger == "dynamodb_stream":
        for content in seeds["dynamodb"]:
            records = []
            for line in content.splitlines():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    continue
            try:
                whole = json.loads(content)
            except ValueError:
                whole = None
            events.append(whole if isinstance(whole, dict) and "Records" in whole else None)
            events.append({"Records": records[:25]})
    elif trigger == "otlp_http":
        template = json.loads((FIXTURES / "otel" / "function_url_event.json").read_text())
        for content in seeds["otel"]:
            for line in content.splitlines()[:6]:
                if b'"resourceSpans"' in line[:40]:
                    events.append({**template, "body": line.decode("utf-8", "replace")})
    else:
        for content in seeds["partner_telemetry"]:
            for line in [content, *content.splitlines()][:6]:
                try:
                    value = json.loads(line)
                except ValueError:
                    continue
                if isinstance(value, dict) and "requestContext" in value:
                    events.append(value)
    return [event for event in events if event is not None]


def _damaged_event(event: dict, trigger: str, rng: random.Random):
    """The event with damage inside (a Lambda gets Python objects, parsed by the
    runtime's own JSON parser); for CloudWatch Logs, as often damage to the
    payload inside the base64 and gzip."""
    if trigger == "cloudwatch_logs" and rng.random() < 0.5:
        payload = gzip.decompress(base64.b64decode(event["awslogs"]["data"]))
        damaged = mutate(payload, rng)
        packed = damaged if damaged[:2] == b"\x1f\x8b" else gzip.compress(damaged, mtime=0)
        if rng.random() < 0.1:
            return {"awslogs": {"data": base64.b64encode(packed).decode()[: rng.randrange(40)]}}
        return {"awslogs": {"data": base64.b64encode(packed).decode()}}
    if trigger == "otlp_http" and rng.random() < 0.3:
        # as an exporter with compression=gzip sends it, through a gateway that base64s it
        body = mutate(event["body"].encode("utf-8", "surrogatepass"), rng)
        packed = body if body[:2] == b"\x1f\x8b" else gzip.compress(body, mtime=0)
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        encoded = base64.b64encode(packed).decode()
        return {**event, "headers": headers, "body": encoded, "isBase64Encoded": True}
    if rng.random() < 0.15:
        text = mutate(json.dumps(event).encode(), rng)
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            pass  # Lambda would not have invoked the function with it
    try:
        return mutate_value(copy.deepcopy(event), rng)
    except RecursionError:  # an event nested deeper than Python's own tools go
        return event


@pytest.mark.parametrize(
    "trigger", ["cloudwatch_logs", "dynamodb_stream", "partner_telemetry", "otlp_http"]
)
def test_lambda_handler_on_damaged_events(trigger, seeds, tmp_path, monkeypatch):
    rng = random.Random(f"{SEED}/{trigger}")
    tally = Tally(f"{trigger}_handler")
    events = _events(seeds, trigger)
    handle = getattr(handlers, f"{trigger}_handler")
    for case in range(CASES):
        lake = LocalLake(tmp_path / f"case-{case}")
        monkeypatch.setenv("SAGE_LAKE", str(lake.root))
        event = _damaged_event(rng.choice(events), trigger, rng)
        try:
            result = handle(event)
        except Exception:
            tally.problem(case, traceback.format_exc())
            continue
        if trigger == "partner_telemetry":
            _check_response(tally, case, result, lake)
        elif trigger == "otlp_http":
            _check_otlp_response(tally, case, result, lake)
        else:
            _check_summary(tally, case, result, lake, 1 if result["files_rejected"] else 0)
        shutil.rmtree(lake.root, ignore_errors=True)
    tally.finish()


ANSWERS = {202, 400, 401, 405, 413}


def _check_response(tally: Tally, case: int, response: dict, lake: LocalLake) -> None:
    status = response["statusCode"]
    tally.counts["cases"] += 1
    tally.counts[f"status {status}"] += 1
    body = json.loads(response["body"])
    if status not in ANSWERS:
        tally.problem(case, f"answered {status}")
    accepted, rejected = body.get("accepted", 0), body.get("rejected", 0)
    tally.counts["accepted"] += accepted
    tally.counts["rejected"] += rejected
    tally.reasons.update(error["reason"] for error in body.get("errors", []))
    bronze, quarantine = count_lines(lake, "bronze/"), count_lines(lake, "quarantine/")
    if (bronze, quarantine) != (accepted, rejected):
        tally.problem(
            case, f"lake holds {bronze} + {quarantine} lines, the answer {accepted} + {rejected}"
        )
    if (status == 202) != (accepted > 0):
        tally.problem(case, f"answered {status} with {accepted} accepted")


OTLP_ANSWERS = {200, 400, 405, 413, 415}


def _check_otlp_response(tally: Tally, case: int, response: dict, lake: LocalLake) -> None:
    """The answer is one the OTLP specification allows, and the counts in its header
    are what the lake holds (an answer without them wrote nothing)."""
    status = response["statusCode"]
    tally.counts["cases"] += 1
    tally.counts[f"status {status}"] += 1
    body = json.loads(response["body"])
    if status not in OTLP_ANSWERS:
        tally.problem(case, f"answered {status}")
    header = response["headers"].get("x-sage-ingest")
    counts = (
        dict((name, int(value)) for name, value in (pair.split("=") for pair in header.split(";")))
        if header
        else dict.fromkeys(
            ("read", "landed", "duplicates", "quarantined", "skipped", "files_rejected"), 0
        )
    )
    for name, value in counts.items():
        tally.counts[name] += value
    if counts["read"] != counts["landed"] + counts["duplicates"] + counts["quarantined"]:
        tally.problem(case, f"counts do not add up: {header}")
    bronze, quarantine = count_lines(lake, "bronze/"), count_lines(lake, "quarantine/")
    if (bronze, quarantine) != (counts["landed"], counts["quarantined"] + counts["files_rejected"]):
        tally.problem(case, f"lake holds {bronze} + {quarantine} lines, the answer says {header}")
    rejected = body.get("partialSuccess", {}).get("rejectedSpans", 0) if status == 200 else 0
    if status == 200 and rejected != counts["quarantined"]:
        tally.problem(case, f"partialSuccess says {rejected}, the counts {header}")
    if (status == 200) != (counts["files_rejected"] == 0 and header is not None):
        tally.problem(case, f"answered {status} with {header}")


def test_s3_handler_on_damaged_objects_and_notifications(seeds, s3, tmp_path, monkeypatch):
    """Fewer cases: each reads its object over HTTP from moto's S3 server."""
    client, bucket = s3
    rng = random.Random(f"{SEED}/s3_object")
    tally = Tally("s3_object_handler")
    for case in range(max(CASES // 4, 10)):
        source = rng.choice(sorted(SOURCES))
        key = f"raw/{source}/case-{case}.gz"
        client.put_object(Bucket=bucket, Key=key, Body=mutate(rng.choice(seeds[source]), rng))
        notification = {"Records": [{"s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]}
        if rng.random() < 0.3:
            notification = mutate_value(notification, rng)
        lake = LocalLake(tmp_path / f"case-{case}")
        monkeypatch.setenv("SAGE_LAKE", str(lake.root))
        monkeypatch.setenv("SAGE_SOURCE", source)
        try:
            result = handlers.s3_object_handler(notification)
        except Exception:
            tally.problem(case, traceback.format_exc())
            continue
        _check_summary(tally, case, result, lake, 1 if result["files_rejected"] else 0)
    tally.finish()
