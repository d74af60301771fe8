"""Run the benchmarks: `python -m benchmarks [--short|--full] [--json PATH]`."""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks import hosts, imports, overhead, token_reuse
from benchmarks.hosts import HostSizes
from benchmarks.table import Table

_DEFAULT_JSON = Path(__file__).with_name("results") / "latest.json"

# (short, full) sizes of each benchmark.
_PROCESS_COUNTS = ([2, 8], [2, 8, 32])
_PROCESS_ROUNDS = (1, 3)
_OVERHEAD_REQUESTS = (300, 2000)
_IMPORT_REPETITIONS = (5, 15)
# Mapped tasks, sequential runs, concurrent cold starts: short enough for CI
# on two cores, full enough to show the counts do not grow with the load.
_HOST_SIZES = (
    HostSizes(mapped=4, runs=2, concurrent=2),
    HostSizes(mapped=16, runs=3, concurrent=4),
)
# `hosts` is shorthand for both host workloads.
_GROUPS = {"hosts": ["airflow", "prefect"]}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=(
            "Measure token reuse, per-request overhead and import cost of "
            "vision-integrations against the local emulator. Figures are "
            "printed and written as JSON; nothing is asserted."
        ),
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--short", action="store_true", help="small sizes, for CI (the default)"
    )
    size.add_argument("--full", action="store_true", help="the sizes to report")
    parser.add_argument(
        "--json",
        type=Path,
        default=_DEFAULT_JSON,
        metavar="PATH",
        help=f"where to write the figures (default: {_DEFAULT_JSON})",
    )
    parser.add_argument(
        "--python-prefect",
        metavar="PATH",
        help="an interpreter with Prefect installed, to time importing "
        "vision_integrations.prefect",
    )
    parser.add_argument(
        "--only",
        choices=["processes", "overhead", "imports", "airflow", "prefect", "hosts"],
        action="append",
        help="run only this benchmark (repeatable); airflow and prefect need "
        "their host installed, hosts means both",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks, print their tables and write the JSON."""
    args = _parser().parse_args(argv)
    full = 1 if args.full else 0
    mode = "full" if full else "short"
    runs: dict[str, Callable[[], list[Table]]] = {
        "processes": lambda: [
            token_reuse.run(_PROCESS_COUNTS[full], _PROCESS_ROUNDS[full])
        ],
        "overhead": lambda: [overhead.run(_OVERHEAD_REQUESTS[full])],
        "imports": lambda: [
            imports.run(_IMPORT_REPETITIONS[full], args.python_prefect)
        ],
        "airflow": lambda: [hosts.airflow_workload(_HOST_SIZES[full])],
        "prefect": lambda: [hosts.prefect_workload(_HOST_SIZES[full])],
    }
    chosen: list[str] = []
    for name in args.only or list(runs):
        chosen += [n for n in _GROUPS.get(name, [name]) if n not in chosen]

    tables: list[Table] = []
    for name in chosen:
        print(f"... running {name} ({mode})", file=sys.stderr, flush=True)
        for table in runs[name]():
            print(table.render(), end="\n\n", flush=True)
            tables.append(table)

    report = {
        "mode": mode,
        "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "benchmarks": {table.name: table.as_json() for table in tables},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"Figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
