"""Real Airflow 3 for the provider tests: one home, one database, DAG runs.

Importing Airflow reads its configuration once, so the temporary
`AIRFLOW_HOME` and its settings are put in the environment here, before
anything imports Airflow. The database is migrated once per session; each DAG
run then happens in its own process (the package's `airflow_runner.py`,
which the demo and benchmarks use too), like runs on separate
workers, with only the environment the test gives it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
HOME = Path(tempfile.mkdtemp(prefix="vision-airflow-home-"))
DAGS_FOLDER = HOME / "dags"
DATABASE = HOME / "airflow.db"

AIRFLOW_ENV = {
    "AIRFLOW_HOME": str(HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{DATABASE}",
    "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(HOME / "logs"),
}
os.environ.update(AIRFLOW_ENV)

pytest.importorskip("airflow.sdk", reason="Airflow 3 is not installed")

from vision_integrations.cli.airflow_runner import RESULT_PREFIX  # noqa: E402
from vision_integrations.cli.host_runs import AIRFLOW_RUNNER  # noqa: E402
from vision_integrations.testing import VisionEmulator  # noqa: E402

DAG_FILES = {
    "vision_fan_out": REPO / "example_dags" / "vision_fan_out.py",
    "vision_recent_inspections": REPO / "example_dags" / "vision_recent_inspections.py",
    "vision_revoke_check": HERE / "dags" / "vision_token_checks.py",
    "vision_store_checks": HERE / "dags" / "vision_token_checks.py",
    "vision_api_calls": HERE / "dags" / "vision_token_checks.py",
}


def connection_env(
    emulator: VisionEmulator,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> dict[str, str]:
    """Return `AIRFLOW_CONN_VISION_DEFAULT` (JSON form) for an emulator client."""
    value = {
        "conn_type": "vision",
        "login": client_id or emulator.client_id,
        "password": client_secret or emulator.client_secret,
        "host": emulator.api_base_url,
        "extra": {"auth_url": emulator.auth_url, "audience": emulator.audience},
    }
    return {"AIRFLOW_CONN_VISION_DEFAULT": json.dumps(value)}


@dataclass
class DagRunResult:
    """What one `dag.test()` process reported, and everything it printed."""

    dag_id: str
    state: str
    run_id: str
    tasks: list[dict[str, Any]]
    output: str

    def task_states(self) -> dict[str, str]:
        return {f"{t['task_id']}[{t['map_index']}]": t["state"] for t in self.tasks}


class AirflowDeployment:
    """The migrated test database plus a way to run DAGs in fresh processes."""

    def __init__(self) -> None:
        self.home = HOME
        self.database = DATABASE
        self.outputs: list[str] = []

    def run_dag(
        self,
        dag_id: str,
        env: Mapping[str, str],
        conf: Mapping[str, Any] | None = None,
    ) -> DagRunResult:
        """Run one DAG run with `dag.test()` in a new process; fail loudly."""
        full_env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("VISION_", "AIRFLOW_CONN_"))
        }
        full_env.update(AIRFLOW_ENV)
        full_env.update(env)
        command = [sys.executable, str(AIRFLOW_RUNNER)]
        command += [str(DAGS_FOLDER / DAG_FILES[dag_id].name), dag_id]
        if conf is not None:
            command.append(json.dumps(conf))
        done = subprocess.run(
            command,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = done.stdout + done.stderr
        self.outputs.append(output)
        lines = [
            line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)
        ]
        if done.returncode != 0 or not lines:
            raise AssertionError(
                f"dag.test() of {dag_id} failed (exit {done.returncode}):\n"
                f"{output[-6000:]}"
            )
        data = json.loads(lines[-1][len(RESULT_PREFIX) :])
        return DagRunResult(output=output, **data)
