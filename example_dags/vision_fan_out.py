"""Fan out over the Vision API with dynamic task mapping, on one token.

`provision_token` obtains the connection's token once (or finds a fresh one
kept by an earlier run); the mapped `read_page` tasks then each read one page
of inspections and report the fingerprint of the token they used, and
`summarize` logs how many distinct tokens served them: one.

Configure the `vision_default` connection (in the UI, or with the
`AIRFLOW_CONN_VISION_DEFAULT` environment variable) and trigger the DAG; the
`pages` parameter sets how many mapped tasks run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task

from vision_integrations.airflow import VisionHook, VisionTokenOperator

PAGE_SIZE = 5


@dag(
    dag_id="vision_fan_out",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={"pages": Param(4, type="integer", minimum=1, maximum=50)},
    tags=["vision", "example"],
)
def vision_fan_out() -> None:
    """Read several pages of inspections in parallel with a single token."""
    provision = VisionTokenOperator(task_id="provision_token")

    @task
    def page_numbers() -> list[int]:
        pages = int(get_current_context()["params"]["pages"])
        return list(range(1, pages + 1))

    @task
    def read_page(page: int) -> dict[str, Any]:
        hook = VisionHook()
        body = hook.run(
            "inspections", params={"page[number]": page, "page[size]": PAGE_SIZE}
        )
        return {
            "page": page,
            "ids": [item["id"] for item in body["result"]],
            # A fingerprint tells tokens apart without revealing one.
            "token_fingerprint": hook.get_token().fingerprint,
        }

    @task
    def summarize(pages: list[dict[str, Any]]) -> dict[str, Any]:
        fingerprints = sorted({page["token_fingerprint"] for page in pages})
        ids = [item for page in pages for item in page["ids"]]
        print(
            f"{len(pages)} mapped tasks read {len(ids)} inspections using "
            f"{len(fingerprints)} token(s): {', '.join(fingerprints)}"
        )
        return {"tasks": len(pages), "inspections": len(ids), "tokens": fingerprints}

    numbers = page_numbers()
    provision >> numbers
    summarize(read_page.expand(page=numbers))


vision_fan_out()
