"""Fixtures for the Airflow provider tests (see `airflow_harness`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

# Imported first: it puts the temporary AIRFLOW_HOME in the environment before
# anything imports Airflow, and skips this directory without Airflow.
from airflow_harness import (
    AIRFLOW_ENV,
    DAG_FILES,
    DAGS_FOLDER,
    HOME,
    AirflowDeployment,
)


@pytest.fixture(scope="session")
def airflow_deployment() -> AirflowDeployment:
    """Migrate a SQLite metadata database once and put the DAG files in place."""
    DAGS_FOLDER.mkdir(parents=True, exist_ok=True)
    for source in set(DAG_FILES.values()):
        shutil.copy(source, DAGS_FOLDER / source.name)
    env = {**os.environ, **AIRFLOW_ENV}
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return AirflowDeployment()


@pytest.fixture(scope="session", autouse=True)
def _remove_airflow_home() -> Iterator[None]:
    yield
    shutil.rmtree(HOME, ignore_errors=True)
