"""Token requests when P processes on one host start calling the API at once.

Each process builds its own `VisionSession` from the environment, with an
empty cache directory shared by all of them, and makes a few API calls. The
emulator counts the token requests that reached it. A client that keeps its
token per process (or per task) would ask P times; the physical limit is one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.table import Table
from vision_integrations.testing import VisionEmulator

_WORKER = Path(__file__).with_name("process_worker.py")
_CALLS_PER_PROCESS = 5


def run(process_counts: list[int], rounds: int) -> Table:
    """Start each count of processes `rounds` times; tabulate token requests."""
    table = Table(
        name="token_reuse_processes",
        title="Token requests: P processes started at once on one host",
        columns=[
            "processes",
            "rounds",
            "api calls/round",
            "token requests (max)",
            "token requests (mean)",
            "distinct tokens (max)",
            "naive baseline",
            "limit",
            "wall s (median)",
        ],
    )
    with VisionEmulator() as emulator:
        for count in process_counts:
            requests_seen: list[int] = []
            calls: list[int] = []
            walls: list[float] = []
            distinct: list[int] = []
            for _ in range(rounds):
                emulator.reset_counters()
                wall, reports = _one_round(emulator, count)
                requests_seen.append(emulator.token_requests())
                calls.append(emulator.api_calls(authorized=True))
                walls.append(wall)
                distinct.append(len({report["token"] for report in reports}))
            table.add(
                count,
                rounds,
                max(calls),
                max(requests_seen),
                sum(requests_seen) / rounds,
                max(distinct),
                count,
                1,
                sorted(walls)[len(walls) // 2],
            )
    table.notes.append(
        f"each process makes {_CALLS_PER_PROCESS} GETs through VisionSession; "
        "caches: process memory, then one sealed file with a file lock"
    )
    table.notes.append(
        "naive baseline = one token per process; limit = one per token lifetime"
    )
    return table


def _one_round(
    emulator: VisionEmulator, count: int
) -> tuple[float, list[dict[str, str]]]:
    with tempfile.TemporaryDirectory(prefix="vision-bench-") as cache_dir:
        env = {**os.environ, **emulator.env(), "VISION_CACHE_DIR": cache_dir}
        workers = [
            subprocess.Popen(
                [sys.executable, str(_WORKER), str(_CALLS_PER_PROCESS)],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]
        try:
            for worker in workers:
                _expect(worker, "ready")
            started = time.perf_counter()
            for worker in workers:
                assert worker.stdin is not None
                worker.stdin.write("go\n")
                worker.stdin.flush()
            reports = [json.loads(_expect(worker, "{")) for worker in workers]
            wall = time.perf_counter() - started
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                worker.wait()
    return wall, reports


def _expect(worker: subprocess.Popen[str], prefix: str) -> str:
    assert worker.stdout is not None
    line = worker.stdout.readline()
    if not line.startswith(prefix):
        raise RuntimeError(
            f"a benchmark worker said {line!r} instead of {prefix!r}...; "
            f"exit status {worker.poll()}"
        )
    return line
