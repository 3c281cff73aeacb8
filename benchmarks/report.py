"""Benchmark results as a printed table and a Markdown file under reports/."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lakehouse.console import table


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.machine()}"
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {system}"


def write(sections: list[Section], path: Path) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# Benchmarks, {stamp}", "", f"Machine: {machine()}", ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        lines.append("| " + " | ".join(section.headers) + " |")
        lines.append("|" + "|".join("---" for _ in section.headers) + "|")
        lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in section.rows]
        lines.append("")
        lines += [f"- {note}" for note in section.notes]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    path.with_suffix(".json").write_text(
        json.dumps(
            {
                section.title: {"headers": section.headers, "rows": section.rows}
                for section in sections
            },
            indent=2,
            default=str,
        )
    )


def show(section: Section) -> None:
    print(f"\n{section.title}")
    print(table(section.headers, [[_cell(value) for value in row] for row in section.rows]))
    for note in section.notes:
        print(f"  {note}")


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 100 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
