"""One flow run that starts without a token, at the same moment as others.

Run as a script by the concurrency test. Each copy signs in at a file
barrier (`COLD_START_BARRIER`: a directory; `COLD_START_PEERS`: how many
copies) after Prefect is imported and the block is loaded, so that all of
them ask for a token together. It prints the fingerprint of the token it
used. `COLD_START_NO_LOCK=1` turns the token lock off, to show what the lock
prevents.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from prefect import flow, task

from vision_integrations.prefect import VisionCredentials
from vision_integrations.prefect import lock as lock_module

BARRIER_TIMEOUT_SECONDS = 180


def wait_for_peers() -> None:
    barrier = Path(os.environ["COLD_START_BARRIER"])
    peers = int(os.environ["COLD_START_PEERS"])
    (barrier / str(os.getpid())).touch()
    deadline = time.monotonic() + BARRIER_TIMEOUT_SECONDS
    while len(list(barrier.iterdir())) < peers:
        if time.monotonic() > deadline:
            raise TimeoutError("the other cold-start processes never arrived")
        time.sleep(0.05)


@task
def first_request(credentials: VisionCredentials) -> str:
    wait_for_peers()
    started = time.monotonic()
    with credentials.get_session() as session:
        session.get("inspections", params={"page[size]": 1}).raise_for_status()
        fingerprint = session.manager.get_token().fingerprint
    print(f"SECONDS_TO_FIRST_CALL {time.monotonic() - started:.2f}", flush=True)
    return fingerprint


@flow(name="vision-cold-start")
def cold_start(block_name: str) -> str:
    return first_request(VisionCredentials.load(block_name))


if __name__ == "__main__":
    if os.environ.get("COLD_START_NO_LOCK") == "1":
        # Test-only switch: mark every lock unusable, as if the server had no
        # global concurrency limits, without the warning.
        lock_module._warned = True
        lock_module._unusable.add(os.environ["COLD_START_LOCK_NAME"])
    # One write, so that log lines on the shared pipe cannot split it.
    sys.stdout.write(f"FINGERPRINT {cold_start(os.environ['VISION_BLOCK_NAME'])}\n")
