"""Run one DAG file's DAG with `dag.test()`, in an environment with Airflow.

Usage: python airflow_runner.py DAG_FILE DAG_ID [RUN_CONF_JSON]

It is started as a script by the Airflow environment's interpreter, so it
imports Airflow dynamically (the package itself never depends on Airflow).
The last line printed is ``DEMO_RESULT {json}`` with the run's state and
its task instances. The demo and the host benchmarks both run DAGs with it.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any


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
    result = {"dag_id": dag_id, "state": str(run.state), "tasks": tasks}
    print("DEMO_RESULT " + json.dumps(result), flush=True)
    return 0 if str(run.state) == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
