"""Run the example DAGs and flows, each run in a fresh process, and count.

Every run gets only the environment it needs: the emulator's settings, a
private token cache directory and the host's own temporary home. What the
emulator counted during a workload is that workload's cost.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from vision_integrations.cli.demo_envs import HostEnvironment
from vision_integrations.testing import EmulatorStats, VisionEmulator

__all__ = ["Workload", "run_airflow", "run_prefect"]

_RUN_TIMEOUT = 600
_AIRFLOW_DAGS = ("vision_recent_inspections", "vision_fan_out")
_PREFECT_FLOWS = ("vision_recent_inspections", "vision_fan_out")
# Prefect logs one of these per finished task run and flow run.
_FINISHED = re.compile(r"(Task|Flow) run '[^']+' - Finished in state (\w+)")

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
    base = _clean_env()
    base.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW_CONN_VISION_DEFAULT": _connection(emulator),
            "VISION_CACHE_DIR": str(work / "airflow-token-cache"),
            "VISION_INSPECTIONS_OUT": str(work / "airflow-inspections.jsonl"),
        }
    )
    progress("airflow: migrating a temporary metadata database (airflow db migrate)")
    migrate_log = work / "airflow-db-migrate.log"
    with migrate_log.open("w", encoding="utf-8") as out:
        done = subprocess.run(  # noqa: S603 (the environment's own airflow)
            [str(env.tool("airflow")), "db", "migrate"],
            env=base,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=_RUN_TIMEOUT,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed; see {migrate_log}")

    runner = Path(__file__).with_name("airflow_runner.py")
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
            command = [str(env.python), str(runner), str(dags / source.name), dag_id]
            log = work / f"airflow-{dag_id}-{number}.log"
            output, ok = _run(command, base, log)
            line = _last_line(output, "DEMO_RESULT ")
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
    base = _clean_env()
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
            "VISION_CACHE_DIR": str(work / "prefect-token-cache"),
            "VISION_INSPECTIONS_OUT": str(work / "prefect-inspections.jsonl"),
        }
    )
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
            output, ok = _run(command, base, log)
            finished = _FINISHED.findall(output)
            workload.runs += 1
            workload.tasks += sum(1 for kind, _ in finished if kind == "Task")
            if not ok:
                workload.failures.append(f"run {number} failed; see {log}")
        _count(workload, before, emulator)
        results.append(workload)
    return results


def _clean_env() -> dict[str, str]:
    # Nothing of the caller's own Vision, Airflow or Prefect setup may leak
    # into the demo: it must talk to the emulator and nothing else.
    prefixes = ("VISION_", "AIRFLOW_", "AIRFLOW__", "PREFECT_", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def _connection(emulator: VisionEmulator) -> str:
    return json.dumps(
        {
            "conn_type": "vision",
            "login": emulator.client_id,
            "password": emulator.client_secret,
            "host": emulator.api_base_url,
            "extra": {"auth_url": emulator.auth_url, "audience": emulator.audience},
        }
    )


def _run(command: list[str], env: Mapping[str, str], log: Path) -> tuple[str, bool]:
    try:
        # Only the demo's own interpreters and scripts are ever run here.
        done = subprocess.run(  # noqa: S603
            command,
            env=dict(env),
            cwd=log.parent,
            capture_output=True,
            text=True,
            timeout=_RUN_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = f"{_text(exc.stdout)}{_text(exc.stderr)}\ntimed out"
        log.write_text(output, encoding="utf-8")
        return output, False
    output = done.stdout + done.stderr
    log.write_text(output, encoding="utf-8")
    return output, done.returncode == 0


def _last_line(output: str, prefix: str) -> str | None:
    lines = [line for line in output.splitlines() if line.startswith(prefix)]
    return lines[-1][len(prefix) :] if lines else None


def _count(workload: Workload, before: EmulatorStats, emulator: VisionEmulator) -> None:
    after = emulator.stats()
    requests = after["token_requests_total"] - before["token_requests_total"]
    calls = _all_calls(after) - _all_calls(before)
    workload.token_requests = requests
    workload.api_calls = calls


def _all_calls(stats: EmulatorStats) -> int:
    return stats["api_calls"]["authorized"] + stats["api_calls"]["rejected"]


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""
