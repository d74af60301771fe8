"""Token requests of whole pipelines on real Airflow and real Prefect.

The Airflow workload (K tasks, some mapped, times R DAG runs) and the
Prefect workload (K tasks times R flow runs, and P flow runs at once) need
their host installed, and the two hosts cannot share an environment. Each
function below runs only where its host is importable and otherwise says
it was skipped; the integration tests of each host measure these counts
on their side.
"""

from __future__ import annotations

import importlib.util

from benchmarks.table import Table

_COLUMNS = ["workload", "tasks", "runs", "token requests", "naive baseline", "limit"]


def airflow_workload(short: bool) -> Table:
    """Run K tasks x R DAG runs on real Airflow; count token requests."""
    table = Table("airflow_workload", "Token requests: Airflow DAG runs", _COLUMNS)
    if not _installed("airflow"):
        table.notes.append("skipped: host not installed in this environment")
        return table
    # TODO: drive example_dags through dag.test() against the emulator here;
    # until then the Airflow tests and `vision-integrations demo` report it.
    table.notes.append("skipped: the Airflow workload is measured by `demo`")
    return table


def prefect_workload(short: bool) -> Table:
    """Run K tasks x R flow runs and P concurrent runs on real Prefect."""
    table = Table("prefect_workload", "Token requests: Prefect flow runs", _COLUMNS)
    if not _installed("prefect"):
        table.notes.append("skipped: host not installed in this environment")
        return table
    # TODO: run example_flows on an ephemeral Prefect API against the
    # emulator here; until then the Prefect tests and `demo` report it.
    table.notes.append("skipped: the Prefect workload is measured by `demo`")
    return table


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None
