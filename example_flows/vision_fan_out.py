"""Fan out over many concurrent tasks that all share one Vision access token.

The flow lists inspections, then reads each one in its own task run, many at
a time. Each task reports the fingerprint of the token its request carried
(a short hash, safe to log), and the flow logs how many distinct tokens
served all the task runs: one, however many tasks there are.

Configured through the environment only:

- `VISION_BLOCK_NAME`: a saved `VisionCredentials` block; without it the
  credentials come from the `VISION_*` variables.
- `VISION_FAN_OUT`: how many inspections to read (default 24).

Run it with `python example_flows/vision_fan_out.py`.
"""

from __future__ import annotations

import os
from typing import Any

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE

from vision_integrations import raise_for_api_error
from vision_integrations.prefect import VisionCredentials, collect_vision_items


def load_credentials(block_name: str | None) -> VisionCredentials:
    """Load the named block, or build unsaved credentials from `VISION_*`."""
    if block_name:
        return VisionCredentials.load(block_name)
    return VisionCredentials.from_env()


@task(cache_policy=NO_CACHE)
def read_inspection(
    credentials: VisionCredentials, inspection_id: int
) -> dict[str, Any]:
    """Read one inspection; return its status and the token's fingerprint."""
    with credentials.get_session() as session:
        response = session.get(f"inspections/{inspection_id}")
        raise_for_api_error(response)
        fingerprint = session.manager.get_token().fingerprint
    body = response.json()
    inspection = body.get("result", body)
    return {
        "id": inspection_id,
        "status": inspection.get("status"),
        "token_fingerprint": fingerprint,
    }


@flow(name="vision-fan-out")
def fan_out(block_name: str | None = None, count: int = 24) -> dict[str, int]:
    """Read `count` inspections concurrently and count the tokens used."""
    logger = get_run_logger()
    credentials = load_credentials(block_name)

    listed = collect_vision_items(credentials, "inspections", max_items=count)
    futures = read_inspection.map(
        unmapped(credentials), [item["id"] for item in listed]
    )
    results = futures.result()

    fingerprints = {result["token_fingerprint"] for result in results}
    logger.info(
        "%s task runs read inspections with %s distinct token(s): %s",
        len(results),
        len(fingerprints),
        ", ".join(sorted(fingerprints)),
    )
    return {"tasks": len(results), "tokens": len(fingerprints)}


if __name__ == "__main__":
    fan_out(
        block_name=os.environ.get("VISION_BLOCK_NAME") or None,
        count=int(os.environ.get("VISION_FAN_OUT") or 24),
    )
