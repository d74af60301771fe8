"""Token requests of whole pipelines on real Airflow and real Prefect.

The Airflow workload (K tasks, some mapped, times R DAG runs) and the
Prefect workload (K tasks times R flow runs, and P flow runs at once) need
their host installed, and the two hosts cannot share an environment (see
the `benchmarks_airflow` and `benchmarks_prefect` nox sessions). Each
function below runs only where its host is importable and otherwise says it
was skipped. The workload modules are imported only then, since they run
with the host's interpreter.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from benchmarks.table import Table

COLUMNS = [
    "workload",
    "vision tasks/run (K)",
    "runs",
    "tasks executed",
    "API calls",
    "token requests",
    "naive baseline",
    "limit",
    "wall s",
]
_SKIPPED = "skipped: host not installed in this environment"


@dataclass(frozen=True)
class HostSizes:
    """How big one host workload is: mapped tasks, runs, runs at once."""

    mapped: int
    runs: int
    concurrent: int


def airflow_workload(sizes: HostSizes) -> Table:
    """Run K tasks x R DAG runs on real Airflow; count token requests."""
    table = Table("airflow_workload", "Token requests: Airflow DAG runs", COLUMNS)
    if not _installed("airflow"):
        table.notes.append(_SKIPPED)
        return table
    from benchmarks import airflow_workload

    airflow_workload.run(table, pages=sizes.mapped, runs=sizes.runs)
    return table


def prefect_workload(sizes: HostSizes) -> Table:
    """Run K tasks x R flow runs and P concurrent runs on real Prefect."""
    table = Table("prefect_workload", "Token requests: Prefect flow runs", COLUMNS)
    if not _installed("prefect"):
        table.notes.append(_SKIPPED)
        return table
    from benchmarks import prefect_workload

    prefect_workload.run(
        table, mapped=sizes.mapped, runs=sizes.runs, concurrent=sizes.concurrent
    )
    return table


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None
