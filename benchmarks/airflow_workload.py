"""K tasks (most of them mapped) times R DAG runs on real Airflow, counted.

The example DAG `vision_fan_out` runs R times, each DAG run in a new process
with `dag.test()` (as a deployment runs tasks away from the scheduler) on a
migrated SQLite metadata database. Every DAG run gets its own empty token
cache directory, so only Airflow's own stores (XCom within a run, a Variable
across runs) can carry the token from one task or run to the next. The
emulator, in this process, counts what reached it.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.table import Table
from vision_integrations.cli.airflow_runner import RESULT_PREFIX
from vision_integrations.cli.host_runs import (
    AIRFLOW_RUNNER,
    airflow_connection,
    airflow_home_env,
    clean_env,
    count_api_calls,
    last_line,
    migrate_airflow,
    run_logged,
)
from vision_integrations.testing import VisionEmulator

_REPO = Path(__file__).resolve().parents[1]
_DAG_FILE = _REPO / "example_dags" / "vision_fan_out.py"
_DAG_ID = "vision_fan_out"
# The tasks of the DAG that use a Vision token; `page_numbers` and
# `summarize` only move data, so a per-task client would not fetch there.
_VISION_TASKS = {"provision_token", "read_page"}


def run(table: Table, *, pages: int, runs: int) -> None:
    """Run the fan-out DAG `runs` times with `pages` mapped tasks; fill `table`."""
    work = Path(tempfile.mkdtemp(prefix="vision-bench-airflow-"))
    home = work / "airflow-home"
    (home / "dags").mkdir(parents=True)
    dag_file = home / "dags" / _DAG_FILE.name
    shutil.copy(_DAG_FILE, dag_file)
    vision_tasks = pages + 1
    failures: list[str] = []

    with VisionEmulator() as emulator:
        env = clean_env()
        env.update(airflow_home_env(home))
        env["AIRFLOW_CONN_VISION_DEFAULT"] = airflow_connection(emulator)
        started = time.perf_counter()
        _say("migrating a temporary SQLite metadata database")
        migrate_airflow([sys.executable, "-m", "airflow"], env, work / "migrate.log")
        migrate_seconds = time.perf_counter() - started

        totals = {"tasks": 0, "calls": 0, "requests": 0, "wall": 0.0}
        for number in range(1, runs + 1):
            _say(f"DAG run {number}/{runs} ({pages} mapped tasks, dag.test())")
            run_env = {**env, "VISION_CACHE_DIR": str(work / f"cache-{number}")}
            command = [sys.executable, str(AIRFLOW_RUNNER), str(dag_file), _DAG_ID]
            command.append(json.dumps({"pages": pages}))
            log = work / f"dag-run-{number}.log"
            before = emulator.stats()
            started = time.perf_counter()
            output, ok = run_logged(command, run_env, log)
            wall = time.perf_counter() - started
            after = emulator.stats()

            executed = _succeeded_vision_tasks(last_line(output, RESULT_PREFIX))
            if not ok or executed is None:
                failures.append(f"DAG run {number} failed; see {log}")
            requests = after["token_requests_total"] - before["token_requests_total"]
            calls = count_api_calls(before, after)
            table.add(
                f"DAG run {number}",
                vision_tasks,
                1,
                executed,
                calls,
                requests,
                vision_tasks,
                1,
                wall,
            )
            totals["tasks"] += executed or 0
            totals["calls"] += calls
            totals["requests"] += requests
            totals["wall"] += wall
        table.add(
            f"all {runs} DAG runs",
            vision_tasks,
            runs,
            totals["tasks"],
            totals["calls"],
            totals["requests"],
            vision_tasks * runs,
            1,
            totals["wall"],
        )

    table.notes.append(
        f"example_dags/vision_fan_out.py with pages={pages}: provision_token, "
        f"then {pages} mapped read_page tasks (K = {vision_tasks} tasks that "
        "use a token; page_numbers and summarize use none)"
    )
    table.notes.append(
        "each DAG run in its own process with its own empty VISION_CACHE_DIR: "
        "only XCom and the Airflow Variable carry the token"
    )
    table.notes.append(
        "tasks executed = token-using task instances that succeeded; naive "
        "baseline = one token per such task instance (K x R); limit = one"
    )
    table.notes.append(
        f"wall s = one dag.test() process each; `airflow db migrate` took "
        f"{migrate_seconds:.1f} s before them"
    )
    table.notes.extend(failures)
    if failures:
        table.notes.append(f"run files kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def _succeeded_vision_tasks(result_line: str | None) -> int | None:
    if result_line is None:
        return None
    tasks = json.loads(result_line)["tasks"]
    return sum(
        1
        for task in tasks
        if task["task_id"] in _VISION_TASKS and task["state"] == "success"
    )


def _say(message: str) -> None:
    print(f"... airflow: {message}", file=sys.stderr, flush=True)
