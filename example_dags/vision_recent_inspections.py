"""Page through recent Vision inspections and write them to a JSON Lines file.

The output path comes from the `output_path` DAG parameter; by default it is
the `VISION_INSPECTIONS_OUT` environment variable, or
`<temp dir>/vision_inspections/<run id>.jsonl`. `since` (a date,
``YYYY-MM-DD``) keeps the inspections created on or after it; empty means
the last 30 days. Their defaults come from `VISION_INSPECTIONS_SINCE` when
set. `max_items` bounds the export.

Configure the `vision_default` connection (in the UI, or with the
`AIRFLOW_CONN_VISION_DEFAULT` environment variable) and trigger the DAG.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task

from vision_integrations.airflow import VisionHook

DEFAULT_OUTPUT = os.environ.get("VISION_INSPECTIONS_OUT", "")
DEFAULT_SINCE = os.environ.get("VISION_INSPECTIONS_SINCE", "")


@dag(
    dag_id="vision_recent_inspections",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={
        "since": Param(DEFAULT_SINCE, type="string"),
        "max_items": Param(1000, type="integer", minimum=1),
        "output_path": Param(DEFAULT_OUTPUT, type="string"),
    },
    tags=["vision", "example"],
)
def vision_recent_inspections() -> None:
    """Export the inspections created since a date, newest first."""

    @task
    def export_inspections() -> dict[str, Any]:
        context = get_current_context()
        params = context["params"]
        since = params["since"] or (
            datetime.now(timezone.utc) - timedelta(days=30)
        ).strftime("%Y-%m-%d")
        path = Path(
            params["output_path"]
            or Path(tempfile.gettempdir())
            / "vision_inspections"
            / f"{context['run_id'].replace(':', '_')}.jsonl"
        )
        path.parent.mkdir(parents=True, exist_ok=True)

        query = {
            "filter[created_at][>=]": since,
            "sort[created_at]": "desc",
        }
        count = 0
        with path.open("w", encoding="utf-8") as out:
            items = VisionHook().iter_items(
                "inspections", params=query, max_items=int(params["max_items"])
            )
            for item in items:
                out.write(json.dumps(item, sort_keys=True) + "\n")
                count += 1
        print(f"Wrote {count} inspections created since {since} to {path}")
        return {"path": str(path), "count": count}

    export_inspections()


vision_recent_inspections()
