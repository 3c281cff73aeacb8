"""python -m benchmarks [ingest] [build] [--sizes N,N] [--out reports/bench.md] [--workdir DIR]"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from benchmarks import build, ingest
from benchmarks.report import Section, show, write

SUITES: dict[str, Callable[..., Section]] = {"ingest": ingest.run, "build": build.run}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "suites", nargs="*", metavar="SUITE", help=f"any of {', '.join(SUITES)} (default: all)"
    )
    parser.add_argument("--out", type=Path, default=Path("reports/bench.md"))
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path("reports"),
        help="where the sample and the lakes are written, then removed (default: reports/)",
    )
    parser.add_argument(
        "--sizes",
        default="1000000,10000000",
        help="turns of the build suite's lakes, comma-separated (default 1000000,10000000)",
    )
    args = parser.parse_args()
    try:
        sizes = tuple(int(size) for size in args.sizes.split(","))
    except ValueError:
        parser.error(f"--sizes takes whole numbers, comma-separated: {args.sizes!r}")
    sections: list[Section] = []
    unknown = [name for name in args.suites if name not in SUITES]
    if unknown:
        parser.error(f"unknown suite {unknown[0]!r}; suites are {', '.join(SUITES)}")
    for name in args.suites or list(SUITES):
        options: dict[str, object] = {}
        if name == "build":  # each size written as it is done
            options = {"sizes": sizes, "on_size": lambda done: write([*sections, done], args.out)}
        section = SUITES[name](workdir=args.workdir, **options)
        show(section)
        sections.append(section)
        write(sections, args.out)  # after each suite: a later failure keeps what was measured
    print(f"\nwritten to {args.out} (and {args.out.with_suffix('.json')})")


if __name__ == "__main__":
    main()
