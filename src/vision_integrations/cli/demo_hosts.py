"""Run the example DAGs and flows, each run in a fresh process, and count.

Every run gets only the environment it needs: the emulator's settings, a
private token cache directory and the host's own temporary home. What the
emulator counted during a workload is that workload's cost.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vision_integrations.cli.airflow_runner import RESULT_PREFIX
from vision_integrations.cli.demo_envs import HostEnvironment
from vision_integrations.cli.host_runs import (
    AIRFLOW_RUNNER,
    airflow_connection,
    airflow_home_env,
    clean_env,
    count_api_calls,
    finished_task_runs,
    last_line,
    migrate_airflow,
    run_logged,
)
from vision_integrations.testing import EmulatorStats, VisionEmulator

__all__ = ["Workload", "run_airflow", "run_prefect"]

# The demo saves the credentials in a block, as a deployment would, so that
# flow runs share their token through the block's state.
_PREFECT_BLOCK = "vision-demo"
_SAVE_BLOCK = (
    "import sys\n"
    "from vision_integrations.prefect import VisionCredentials\n"
    "VisionCredentials.from_env().save(sys.argv[1], overwrite=True)\n"
)

_AIRFLOW_DAGS = ("vision_recent_inspections", "vision_fan_out")
_PREFECT_FLOWS = ("vision_recent_inspections", "vision_fan_out")

Progress = Callable[[str], None]


@dataclass
class Workload:
    """What one example did over its runs, as the emulator counted it."""

    side: str
    name: str
    runs: int = 0
    tasks: int = 0
    api_calls: int = 0
    token_requests: int = 0
    failures: list[str] = field(default_factory=list)
    missing: bool = False


def run_airflow(
    env: HostEnvironment,
    emulator: VisionEmulator,
    repo: Path,
    work: Path,
    runs: int,
    progress: Progress,
) -> list[Workload]:
    """Migrate a temporary Airflow home, then run each example DAG `runs` times."""
    home = work / "airflow-home"
    dags = home / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    base = clean_env()
    base.update(airflow_home_env(home))
    base.update(
        {
            "AIRFLOW_CONN_VISION_DEFAULT": airflow_connection(emulator),
            "VISION_INSPECTIONS_OUT": str(work / "airflow-inspections.jsonl"),
        }
    )
    progress("airflow: migrating a temporary metadata database (airflow db migrate)")
    migrate_airflow([str(env.tool("airflow"))], base, work / "airflow-db-migrate.log")

    results = []
    for dag_id in _AIRFLOW_DAGS:
        workload = Workload("airflow", dag_id)
        source = repo / "example_dags" / f"{dag_id}.py"
        if not source.exists():
            workload.missing = True
            progress(f"airflow: {source} is not there yet; skipped")
            results.append(workload)
            continue
        shutil.copy(source, dags / source.name)
        before = emulator.stats()
        for number in range(1, runs + 1):
            progress(f"airflow: {dag_id} run {number}/{runs} (dag.test())")
            command = [str(env.python), str(AIRFLOW_RUNNER)]
            command += [str(dags / source.name), dag_id]
            log = work / f"airflow-{dag_id}-{number}.log"
            output, ok = run_logged(command, _own_cache(base, log), log)
            line = last_line(output, RESULT_PREFIX)
            workload.runs += 1
            if line is not None:
                workload.tasks += len(json.loads(line)["tasks"])
            if not ok or line is None:
                workload.failures.append(f"run {number} failed; see {log}")
        _count(workload, before, emulator)
        results.append(workload)
    return results


def run_prefect(
    env: HostEnvironment,
    emulator: VisionEmulator,
    repo: Path,
    work: Path,
    runs: int,
    progress: Progress,
) -> list[Workload]:
    """Run each example flow `runs` times on an ephemeral Prefect API."""
    home = work / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    base = clean_env()
    base.pop("PREFECT_API_URL", None)  # unset: Prefect starts an ephemeral API
    base.update(emulator.env())
    base.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            # The ephemeral API starts a server per run; on a busy machine
            # its default 20 s start-up allowance is not enough.
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
            "DO_NOT_TRACK": "1",
            "VISION_INSPECTIONS_OUT": str(work / "prefect-inspections.jsonl"),
            "VISION_BLOCK_NAME": _PREFECT_BLOCK,
        }
    )
    progress(f"prefect: saving the credentials block {_PREFECT_BLOCK!r}")
    save = [str(env.python), "-c", _SAVE_BLOCK, _PREFECT_BLOCK]
    save_log = work / "prefect-save-block.log"
    _, saved = run_logged(save, base, save_log)
    if not saved:
        progress(f"prefect: saving the block failed; see {save_log}")
        return []

    results = []
    for name in _PREFECT_FLOWS:
        workload = Workload("prefect", name)
        script = repo / "example_flows" / f"{name}.py"
        if not script.exists():
            workload.missing = True
            progress(f"prefect: {script} is not there yet; skipped")
            results.append(workload)
            continue
        before = emulator.stats()
        for number in range(1, runs + 1):
            progress(f"prefect: {name} run {number}/{runs} (python {script.name})")
            command = [str(env.python), str(script)]
            log = work / f"prefect-{name}-{number}.log"
            output, ok = run_logged(command, _own_cache(base, log), log)
            workload.runs += 1
            workload.tasks += finished_task_runs(output)
            if not ok:
                workload.failures.append(f"run {number} failed; see {log}")
        _count(workload, before, emulator)
        results.append(workload)
    return results


def _own_cache(base: dict[str, str], log: Path) -> dict[str, str]:
    """Give one run a token cache of its own, as on a worker of its own.

    Then only the host's shared store (Airflow XCom and Variable, the Prefect
    block) can carry a token from one run to the next.
    """
    return {**base, "VISION_CACHE_DIR": str(log.with_suffix(".token-cache"))}


def _count(workload: Workload, before: EmulatorStats, emulator: VisionEmulator) -> None:
    after = emulator.stats()
    workload.token_requests = (
        after["token_requests_total"] - before["token_requests_total"]
    )
    workload.api_calls = count_api_calls(before, after)
