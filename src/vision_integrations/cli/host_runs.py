"""Run pipelines on real hosts in fresh processes: shared by demo and benchmarks.

Every DAG run and flow run gets a new interpreter and only the environment it
needs (the emulator's settings, a token cache directory, the host's own
temporary home), so the emulator's counters show what a real deployment of
the pipeline would cost. Nothing here imports Airflow or Prefect: the
commands run with whichever interpreter has the host installed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from vision_integrations.testing import EmulatorStats, VisionEmulator

__all__ = [
    "AIRFLOW_RUNNER",
    "RUN_TIMEOUT",
    "airflow_connection",
    "airflow_home_env",
    "clean_env",
    "count_api_calls",
    "finished_task_runs",
    "last_line",
    "migrate_airflow",
    "run_logged",
]

# Bounds one run, so that a hung host fails the run instead of the caller.
RUN_TIMEOUT = 600
# Runs one DAG with dag.test() and prints `DAG_RESULT {json}`.
AIRFLOW_RUNNER = Path(__file__).with_name("airflow_runner.py")
# Prefect logs one of these per finished task run and flow run.
_FINISHED = re.compile(r"(Task|Flow) run '[^']+' - Finished in state (\w+)")


def clean_env() -> dict[str, str]:
    """Return this process's environment without Vision or host settings.

    Nothing of the caller's own Vision, Airflow or Prefect setup may leak
    into a run: it must talk to the emulator and nothing else.
    """
    prefixes = ("VISION_", "AIRFLOW_", "AIRFLOW__", "PREFECT_", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def airflow_connection(emulator: VisionEmulator) -> str:
    """Return `AIRFLOW_CONN_VISION_DEFAULT` (JSON form) for the emulator."""
    return json.dumps(
        {
            "conn_type": "vision",
            "login": emulator.client_id,
            "password": emulator.client_secret,
            "host": emulator.api_base_url,
            "extra": {"auth_url": emulator.auth_url, "audience": emulator.audience},
        }
    )


def airflow_home_env(home: Path) -> dict[str, str]:
    """Return the settings of a private Airflow home with SQLite under `home`."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
    }


def migrate_airflow(command: list[str], env: Mapping[str, str], log: Path) -> None:
    """Run `airflow db migrate` (given as `command`); raise if it fails."""
    with log.open("w", encoding="utf-8") as out:
        # The caller's own airflow executable, with arguments it chose.
        done = subprocess.run(  # noqa: S603
            [*command, "db", "migrate"],
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=RUN_TIMEOUT,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed; see {log}")


def run_logged(
    command: list[str], env: Mapping[str, str], log: Path
) -> tuple[str, bool]:
    """Run `command` in `log`'s folder; write its output to `log`.

    Return the output and whether the command succeeded in time.
    """
    try:
        # Only the caller's own interpreters and scripts are ever run here.
        done = subprocess.run(  # noqa: S603
            command,
            env=dict(env),
            cwd=log.parent,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = f"{_text(exc.stdout)}{_text(exc.stderr)}\ntimed out"
        log.write_text(output, encoding="utf-8")
        return output, False
    output = done.stdout + done.stderr
    log.write_text(output, encoding="utf-8")
    return output, done.returncode == 0


def last_line(output: str, prefix: str) -> str | None:
    """Return the rest of the last line of `output` that starts with `prefix`."""
    lines = [line for line in output.splitlines() if line.startswith(prefix)]
    return lines[-1][len(prefix) :] if lines else None


def finished_task_runs(output: str) -> int:
    """Count the task runs a Prefect flow run's output says have finished."""
    return sum(1 for kind, _ in _FINISHED.findall(output) if kind == "Task")


def count_api_calls(before: EmulatorStats, after: EmulatorStats) -> int:
    """Return the API calls (accepted or refused) made between two snapshots."""
    return _all_calls(after) - _all_calls(before)


def _all_calls(stats: EmulatorStats) -> int:
    return stats["api_calls"]["authorized"] + stats["api_calls"]["rejected"]


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""
