"""`vision-integrations demo`: the example pipelines on real hosts, counted.

The emulator runs in this process; Airflow and Prefect each run in their
own virtual environment (they cannot share one), every DAG run and flow run
in a fresh process. At the end one table shows, per example, the tasks that
ran, the API calls and the token requests the emulator saw, next to the
naive baseline (a token per task) and the physical limit (one).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from vision_integrations.cli.demo_envs import (
    HOST_PINS,
    DemoSetupError,
    ensure_environment,
)
from vision_integrations.cli.demo_hosts import Workload, run_airflow, run_prefect
from vision_integrations.cli.exits import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from vision_integrations.testing import VisionEmulator

__all__ = ["run_demo"]

_STARTED = time.monotonic()


def run_demo(
    environments: str, *, keep: bool, runs: int, only: str | None = None
) -> int:
    """Run the demo with the environments under `environments`."""
    repo = _source_tree()
    if repo is None:
        print(
            "error: demo runs the examples of a source checkout; install the "
            "project with `pip install -e <checkout>` and run it from there",
            file=sys.stderr,
        )
        return EXIT_USAGE
    root = Path(environments).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="demo-run-", dir=root))
    hosts = [only] if only else ["airflow", "prefect"]

    workloads: list[Workload] = []
    problems: list[str] = []
    with VisionEmulator() as emulator:
        _say(f"emulator listening on {emulator.url}")
        for host in hosts:
            try:
                workloads += _run_host(host, root, repo, work, emulator, runs)
            except DemoSetupError as exc:
                problems.append(f"{host}: {exc}; installer output: {exc.log}")
            except (OSError, RuntimeError) as exc:
                problems.append(f"{host}: {exc}")
        total_issued = len(emulator.issued_tokens())

    _print_summary(workloads, total_issued)
    problems += [f"{w.side} {w.name}: {f}" for w in workloads for f in w.failures]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems or keep:
        print(f"Run files kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return EXIT_FAILURE if problems else EXIT_OK


def _run_host(
    host: str,
    root: Path,
    repo: Path,
    work: Path,
    emulator: VisionEmulator,
    runs: int,
) -> list[Workload]:
    _say(f"{host}: preparing {root / host} ({HOST_PINS[host]}, -e {repo})")
    env, reused = ensure_environment(host, root, repo)
    _say(f"{host}: environment {'reused' if reused else 'installed'}")
    runner = run_airflow if host == "airflow" else run_prefect
    return runner(env, emulator, repo, work, runs, _say)


def _source_tree() -> Path | None:
    # src/vision_integrations/cli/demo.py -> the checkout's root.
    root = Path(__file__).resolve().parents[3]
    if (root / "pyproject.toml").exists() and (root / "example_dags").is_dir():
        return root
    return None


def _print_summary(workloads: list[Workload], total_issued: int) -> None:
    columns = ["side", "example", "runs ok", "tasks", "API calls", "token requests"]
    columns += ["naive (1/task)", "limit"]
    rows = []
    for w in workloads:
        if w.missing:
            rows.append([w.side, w.name, "not there yet", "", "", "", "", ""])
            continue
        succeeded = f"{w.runs - len(w.failures)}/{w.runs}"
        figures = [w.tasks, w.api_calls, w.token_requests, w.tasks, 1]
        rows.append([w.side, w.name, succeeded, *map(str, figures)])
    for side in sorted({w.side for w in workloads}):
        mine = [w for w in workloads if w.side == side and not w.missing]
        tasks = sum(w.tasks for w in mine)
        runs = sum(w.runs for w in mine)
        succeeded = f"{runs - sum(len(w.failures) for w in mine)}/{runs}"
        figures = [tasks, sum(w.api_calls for w in mine)]
        figures += [sum(w.token_requests for w in mine), tasks, 1]
        rows.append([side, "all examples", succeeded, *map(str, figures)])
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    print()
    for row in [columns, ["-" * w for w in widths], *rows]:
        cells = (c.ljust(w) for c, w in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    print(
        f"\nThe emulator issued {total_issued} token(s) in all. Every run had a "
        "token cache of its own, as on a worker of its own, so only Airflow's "
        "stores and the Prefect block carried tokens between runs; the two "
        "sides share no store, so the limit is one per side."
    )


def _say(message: str) -> None:
    print(f"[demo {time.monotonic() - _STARTED:6.1f}s] {message}", flush=True)
