"""``sage generate``: one simulated population, written in every source's format."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sample_data import lambda_emf
from sample_data.world import World

MANIFEST = "manifest.json"


def generate(
    out: Path,
    *,
    users: int,
    days: int,
    start: date,
    seed: int,
    defects: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """Write sample input under ``out`` (replacing what a previous run left there)."""
    if out.exists():
        marker = out / MANIFEST
        if any(out.iterdir()) and not marker.exists():
            raise FileExistsError(
                f"{out} exists and was not written by `sage generate`; choose an empty folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)

    def stage(name: str):
        return (lambda done, total: progress(name, done, total)) if progress else None

    world = World(users=users, days=days, start=start, seed=seed)
    manifest = {
        "seed": seed,
        "users": users,
        "days": days,
        "start": start.isoformat(),
        "end": world.end.isoformat(),
        "sources": {
            "lambda_emf": lambda_emf.write(
                world, out, defects=defects, progress=stage("lambda_emf")
            ),
        },
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
