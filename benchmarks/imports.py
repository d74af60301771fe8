"""What importing the package costs, next to importing `requests`.

Airflow imports provider code while it parses DAG files and lists
providers, so the core and the provider info must stay cheap. Each import
runs in a fresh interpreter that times only the import statement (no
interpreter start-up), several times; the median counts.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from benchmarks.table import Table

_PROBE = """
import json, sys, time
name = sys.argv[1]
before = set(sys.modules)
started = time.perf_counter()
try:
    __import__(name)
except ModuleNotFoundError as exc:
    print(json.dumps({"missing": exc.name}))
    raise SystemExit(0)
elapsed = time.perf_counter() - started
loaded = set(sys.modules) - before
print(json.dumps({
    "seconds": elapsed,
    "modules": len(loaded),
    "hosts": sorted({m.split(".")[0] for m in loaded} & {"requests", "airflow",
                                                         "prefect"}),
}))
"""


TARGETS = [
    "requests",
    # The package itself loads its public names lazily; the session module
    # is what `from vision_integrations import VisionSession` really costs.
    "vision_integrations",
    "vision_integrations.session",
    "vision_integrations.airflow.provider_info",
    "vision_integrations.prefect",
]
# Only these are measured again with the interpreter given by --python-prefect.
_PREFECT_TARGETS = ("requests", "vision_integrations.prefect")


def run(repetitions: int, prefect_python: str | None) -> Table:
    """Time every target `repetitions` times in fresh interpreters."""
    table = Table(
        name="import_cost",
        title="Import cost relative to `import requests` (fresh interpreter each)",
        columns=[
            "module",
            "interpreter",
            "median ms",
            "x requests",
            "modules loaded",
            "also loads",
        ],
    )
    interpreters = {"this": sys.executable}
    if prefect_python:
        interpreters["--python-prefect"] = prefect_python
    for label, python in interpreters.items():
        baseline: float | None = None
        for target in TARGETS:
            if label != "this" and target not in _PREFECT_TARGETS:
                continue
            row = _measure(python, target, repetitions)
            if isinstance(row, str):
                table.add(target, label, None, None, None, None)
                table.notes.append(
                    f"{target} ({label} interpreter): not installed here "
                    f"(no module {row!r}); --python-prefect PATH measures it "
                    "with an interpreter that has Prefect"
                )
                continue
            median, modules, loads = row
            if target == "requests":
                baseline = median
            ratio = median / baseline if baseline else None
            table.add(
                target,
                label,
                median * 1e3,
                ratio,
                modules,
                ", ".join(m for m in loads if m != target) or "-",
            )
    table.notes.append(
        f"median of {repetitions} runs of the import statement alone; 'also "
        "loads' lists which of requests, airflow and prefect it pulled in"
    )
    return table


def _measure(
    python: str, target: str, repetitions: int
) -> tuple[float, int, list[str]] | str:
    """Return (median seconds, modules loaded, hosts loaded) or the missing name."""
    seconds: list[float] = []
    last: dict[str, object] = {}
    for _ in range(repetitions):
        done = subprocess.run(
            [python, "-c", _PROBE, target],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"importing {target} with {python} failed:\n{done.stderr}"
            )
        last = json.loads(done.stdout.strip().splitlines()[-1])
        if "missing" in last:
            return str(last["missing"])
        seconds.append(float(last["seconds"]))  # type: ignore[arg-type]
    return (
        statistics.median(seconds),
        int(last["modules"]),  # type: ignore[call-overload]
        [str(name) for name in last["hosts"]],  # type: ignore[attr-defined]
    )
