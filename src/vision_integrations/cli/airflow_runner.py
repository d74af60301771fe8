"""Run one DAG file's DAG with `dag.test()`, in an environment with Airflow.

Usage: python airflow_runner.py DAG_FILE DAG_ID [RUN_CONF_JSON]

It is started as a script by the Airflow environment's interpreter, so it
imports Airflow dynamically (the package itself never depends on Airflow).
The last line printed is ``DAG_RESULT {json}`` with the run's ID and state
and its task instances. The demo, the host benchmarks and the Airflow tests
all run DAGs with it, each run in a fresh process as a deployment would.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

RESULT_PREFIX = "DAG_RESULT "


def _dag_bag(folder: str) -> Any:
    try:  # Airflow 3.2 and later
        module = importlib.import_module("airflow.dag_processing.dagbag")
    except ImportError:  # Airflow 3.1
        module = importlib.import_module("airflow.models.dagbag")
    return module.DagBag(dag_folder=folder)


def main() -> int:
    """Run the DAG once and print its result line."""
    path, dag_id = sys.argv[1], sys.argv[2]
    conf = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
    bag = _dag_bag(path)
    if bag.import_errors:
        print(f"DAG file failed to import: {bag.import_errors}", file=sys.stderr)
        return 1
    run = bag.get_dag(dag_id).test(run_conf=conf)
    tasks = [
        {"task_id": ti.task_id, "map_index": ti.map_index, "state": str(ti.state)}
        for ti in run.get_task_instances()
    ]
    result = {
        "dag_id": dag_id,
        "run_id": run.run_id,
        "state": str(run.state),
        "tasks": tasks,
    }
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0 if str(run.state) == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
