"""Page through recent Vision inspections and write them to a JSON Lines file.

Everything is configured through the environment, so the flow runs the same
against the real service and against the local emulator:

- `VISION_BLOCK_NAME`: the name of a saved `VisionCredentials` block. When
  it is not set, the credentials come from `VISION_CLIENT_ID`,
  `VISION_CLIENT_SECRET` and the other `VISION_*` variables instead.
- `VISION_INSPECTIONS_OUT`: the output file (default:
  `vision_inspections.jsonl` in the working directory).
- `VISION_INSPECTIONS_SINCE`: keep inspections created on or after this
  date (`YYYY-MM-DD`); empty means no date limit.
- `VISION_INSPECTIONS_MAX`: how many of the newest inspections to export
  (default 100).

Run it with `python example_flows/vision_recent_inspections.py`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task

from vision_integrations.prefect import VisionCredentials, collect_vision_items


def load_credentials(block_name: str | None) -> VisionCredentials:
    """Load the named block, or build unsaved credentials from `VISION_*`."""
    if block_name:
        return VisionCredentials.load(block_name)
    return VisionCredentials.from_env()


@task
def write_jsonl(items: list[dict[str, Any]], output_path: str) -> str:
    """Write one inspection per line and return the file's path."""
    path = Path(output_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, sort_keys=True) + "\n")
    return str(path)


@flow(name="vision-recent-inspections")
def recent_inspections(
    block_name: str | None = None,
    output_path: str = "vision_inspections.jsonl",
    since: str | None = None,
    max_items: int = 100,
) -> int:
    """Export the newest inspections, optionally only those since a date."""
    logger = get_run_logger()
    credentials = load_credentials(block_name)

    query = {"sort[created_at]": "desc"}
    if since:
        query["filter[created_at][>=]"] = since
    items = collect_vision_items(
        credentials, "inspections", params=query, max_items=max_items
    )
    written = write_jsonl(items, output_path)
    logger.info("Wrote %s inspections to %s", len(items), written)
    return len(items)


if __name__ == "__main__":
    recent_inspections(
        block_name=os.environ.get("VISION_BLOCK_NAME") or None,
        output_path=os.environ.get("VISION_INSPECTIONS_OUT")
        or "vision_inspections.jsonl",
        since=os.environ.get("VISION_INSPECTIONS_SINCE") or None,
        max_items=int(os.environ.get("VISION_INSPECTIONS_MAX") or 100),
    )
