"""``sage generate``: one simulated population, written in every source's format."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Protocol

from sample_data.cloudfront import CloudFrontWriter
from sample_data.dynamodb import DynamoDbWriter
from sample_data.lambda_emf import EmfWriter
from sample_data.otel import OtelWriter
from sample_data.partner_telemetry import PartnerTelemetryWriter
from sample_data.sentinel import SentinelWriter
from sample_data.world import Conversation, World

MANIFEST = "manifest.json"
ALL_SOURCES = ("lambda_emf", "cloudfront", "dynamodb", "sentinel", "partner_telemetry", "otel")


class Writer(Protocol):
    """What each source's writer does: write a day's files, then say what it wrote."""

    name: str

    def write_day(self, day: date, conversations: list[Conversation]) -> None: ...

    def finish(self) -> dict: ...


def generate(
    out: Path,
    *,
    users: int,
    days: int,
    start: date,
    seed: int,
    defects: bool = True,
    sources: tuple[str, ...] = ALL_SOURCES,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Write sample input under ``out`` (replacing what a previous run left there).

    The manifest (``manifest.json``) records the arguments and, per source, what
    was written, including every defect injected, so tests and people can check
    the ingest's accounting against it.
    """
    unknown = sorted(set(sources) - set(ALL_SOURCES))
    if unknown:
        raise ValueError(f"unknown source {unknown[0]!r}; sources are {', '.join(ALL_SOURCES)}")
    if out.exists():
        if any(out.iterdir()) and not (out / MANIFEST).exists():
            raise FileExistsError(
                f"{out} exists and was not written by `sage generate`; choose an empty folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)

    world = World(users=users, days=days, start=start, seed=seed)
    factories: dict[str, Callable[[], Writer]] = {
        "lambda_emf": lambda: EmfWriter(out, seed, defects=defects),
        "cloudfront": lambda: CloudFrontWriter(out, seed, defects=defects),
        "dynamodb": lambda: DynamoDbWriter(out, seed, defects=defects, users=world.users),
        "sentinel": lambda: SentinelWriter(out, seed, defects=defects),
        "partner_telemetry": lambda: PartnerTelemetryWriter(out, seed, defects=defects),
        "otel": lambda: OtelWriter(out, seed, defects=defects),
    }
    writers = [factories[name]() for name in ALL_SOURCES if name in sources]
    for number, (day, conversations) in enumerate(world.iter_days(), start=1):
        for writer in writers:
            writer.write_day(day, conversations)
        if progress:
            progress(number, days)

    manifest = {
        "seed": seed,
        "users": users,
        "days": days,
        "start": start.isoformat(),
        "end": world.end.isoformat(),
        "defects": defects,
        "sources": {writer.name: writer.finish() for writer in writers},
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
