"""K tasks times R flow runs, and P cold starts at once, on real Prefect.

A real Prefect API (Prefect's own test harness: a server subprocess with a
temporary SQLite database) serves every flow run; each flow run is a new
process with its own empty token cache directory, so only the saved
`VisionCredentials` block (its sealed token state, and the global
concurrency limit beside it) can carry a token from one run to another. The
emulator, in this process, counts what reached it.

- Sequential: `example_flows/vision_fan_out.py` R times on one saved block.
- Cold start: `tests/prefect/cold_start_flow.py` (the concurrency test's own
  flow, which waits at a file barrier so that every copy asks for a token at
  the same moment) P times at once, on a newly saved block with no token.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.table import Table
from vision_integrations.cli.host_runs import (
    clean_env,
    count_api_calls,
    finished_task_runs,
    run_logged,
)
from vision_integrations.testing import TokenFault, VisionEmulator

_REPO = Path(__file__).resolve().parents[1]
_FAN_OUT_FLOW = _REPO / "example_flows" / "vision_fan_out.py"
_COLD_START_FLOW = _REPO / "tests" / "prefect" / "cold_start_flow.py"
# The harness waits 30 s for its server by default; two busy cores can need
# more, and a benchmark that gives up early measures nothing.
_SERVER_STARTUP_SECONDS = 180
# A remote authorization server is not instant: with a slow answer the cold
# starts are certain to overlap while one of them fetches.
_SLOW_TOKEN_SECONDS = 1.0


def run(table: Table, *, mapped: int, runs: int, concurrent: int) -> None:
    """Run both Prefect workloads at these sizes; fill `table`."""
    work = Path(tempfile.mkdtemp(prefix="vision-bench-prefect-"))
    # Set before Prefect is first imported, so that its settings see them:
    # nothing may land in the user's own Prefect home.
    os.environ["PREFECT_HOME"] = str(work / "prefect-home")
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    failures: list[str] = []
    _say("starting a Prefect API (test harness, temporary SQLite)")
    started = time.perf_counter()
    with (
        prefect_test_harness(server_startup_timeout=_SERVER_STARTUP_SECONDS),
        VisionEmulator() as emulator,
    ):
        server_seconds = time.perf_counter() - started
        env = clean_env()
        env.update(
            PREFECT_API_URL=str(PREFECT_API_URL.value()),
            PREFECT_HOME=os.environ["PREFECT_HOME"],
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            DO_NOT_TRACK="1",
        )
        env["VISION_BLOCK_NAME"] = _save_block(emulator)
        env["VISION_FAN_OUT"] = str(mapped)
        _sequential(table, emulator, env, work, mapped + 1, runs, failures)

        env["VISION_BLOCK_NAME"] = _save_block(emulator)
        emulator.script_token_responses(
            *[TokenFault.delay(_SLOW_TOKEN_SECONDS)] * concurrent
        )
        _cold_starts(table, emulator, env, work, concurrent, failures)

    table.notes.append(
        f"sequential: example_flows/vision_fan_out.py, K = {mapped + 1} tasks "
        f"per flow run (collect-vision-items, then {mapped} read_inspection)"
    )
    table.notes.append(
        f"cold start: {concurrent} one-task flow runs released together at a "
        f"file barrier, on a new block with no token; the token endpoint "
        f"answers after {_SLOW_TOKEN_SECONDS:g} s"
    )
    table.notes.append(
        "every flow run in its own process with its own empty VISION_CACHE_DIR: "
        "only the saved block's state carries the token"
    )
    table.notes.append(
        "tasks executed = finished task runs in the runs' output; naive "
        "baseline = one token per task run; limit = one per block"
    )
    table.notes.append(
        f"wall s = flow-run processes only; the Prefect API took "
        f"{server_seconds:.1f} s to start before them"
    )
    table.notes.extend(failures)
    if failures:
        table.notes.append(f"run files kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def _save_block(emulator: VisionEmulator) -> str:
    from pydantic import SecretStr

    from vision_integrations.prefect import VisionCredentials

    name = f"vision-bench-{uuid.uuid4().hex[:8]}"
    VisionCredentials(
        client_id=emulator.client_id,
        client_secret=SecretStr(emulator.client_secret),
        auth_url=emulator.auth_url,
        audience=emulator.audience,
        api_base_url=emulator.api_base_url,
    ).save(name)
    return name


def _sequential(
    table: Table,
    emulator: VisionEmulator,
    env: dict[str, str],
    work: Path,
    tasks_per_run: int,
    runs: int,
    failures: list[str],
) -> None:
    first = emulator.stats()
    executed_total = 0
    wall_total = 0.0
    for number in range(1, runs + 1):
        _say(f"flow run {number}/{runs} ({tasks_per_run} tasks)")
        run_env = {**env, "VISION_CACHE_DIR": str(work / f"cache-{number}")}
        log = work / f"flow-run-{number}.log"
        before = emulator.stats()
        started = time.perf_counter()
        output, ok = run_logged([sys.executable, str(_FAN_OUT_FLOW)], run_env, log)
        wall = time.perf_counter() - started
        after = emulator.stats()
        if not ok:
            failures.append(f"flow run {number} failed; see {log}")
        executed = finished_task_runs(output)
        table.add(
            f"flow run {number}",
            tasks_per_run,
            1,
            executed,
            count_api_calls(before, after),
            after["token_requests_total"] - before["token_requests_total"],
            tasks_per_run,
            1,
            wall,
        )
        executed_total += executed
        wall_total += wall
    last = emulator.stats()
    table.add(
        f"all {runs} flow runs",
        tasks_per_run,
        runs,
        executed_total,
        count_api_calls(first, last),
        last["token_requests_total"] - first["token_requests_total"],
        tasks_per_run * runs,
        1,
        wall_total,
    )


def _cold_starts(
    table: Table,
    emulator: VisionEmulator,
    env: dict[str, str],
    work: Path,
    peers: int,
    failures: list[str],
) -> None:
    _say(f"{peers} flow runs started at once (cold start)")
    barrier = work / "barrier"
    barrier.mkdir()
    env = {**env, "COLD_START_BARRIER": str(barrier), "COLD_START_PEERS": str(peers)}
    command = [sys.executable, str(_COLD_START_FLOW)]

    def one(index: int) -> tuple[str, bool]:
        run_env = {**env, "VISION_CACHE_DIR": str(work / f"cold-cache-{index}")}
        return run_logged(command, run_env, work / f"cold-start-{index}.log")

    before = emulator.stats()
    started = time.perf_counter()
    # Threads only wait on the processes; each run is its own interpreter.
    with ThreadPoolExecutor(max_workers=peers) as pool:
        results = list(pool.map(one, range(peers)))
    wall = time.perf_counter() - started
    after = emulator.stats()
    for index, (_, ok) in enumerate(results):
        if not ok:
            failures.append(f"cold start {index} failed; see cold-start-{index}.log")
    table.add(
        f"{peers} cold starts at once",
        1,
        peers,
        sum(finished_task_runs(output) for output, _ in results),
        count_api_calls(before, after),
        after["token_requests_total"] - before["token_requests_total"],
        peers,
        1,
        wall,
    )


def _say(message: str) -> None:
    print(f"... prefect: {message}", file=sys.stderr, flush=True)
