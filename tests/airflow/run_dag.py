"""Run one DAG with `dag.test()` in this process and print a result line.

Usage: python run_dag.py DAG_FILE DAG_ID [RUN_CONF_JSON]

The tests start this script in a fresh process per DAG run, so that nothing
but Airflow's own stores (and, when the test wants it, the file cache) can
carry a token from one run to the next. The last line of output is
``DAG_RESULT {json}`` with the run's state and every task instance's state.
"""

from __future__ import annotations

import json
import sys


def _load_dag(path: str, dag_id: str):  # type: ignore[no-untyped-def]
    try:  # Airflow 3.2 and later
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.1
        from airflow.models.dagbag import DagBag

    bag = DagBag(dag_folder=path)
    if bag.import_errors:
        raise SystemExit(f"DAG file failed to import: {bag.import_errors}")
    return bag.get_dag(dag_id)


def main() -> None:
    path, dag_id = sys.argv[1], sys.argv[2]
    conf = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
    dag = _load_dag(path, dag_id)
    run = dag.test(run_conf=conf)
    tasks = [
        {"task_id": ti.task_id, "map_index": ti.map_index, "state": str(ti.state)}
        for ti in run.get_task_instances()
    ]
    result = {"dag_id": dag_id, "run_id": run.run_id, "state": str(run.state)}
    result["tasks"] = tasks
    print("DAG_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
