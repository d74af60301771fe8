"""A flow that takes a credentials block as its parameter, for the leak scan.

Kept without `from __future__ import annotations`: Prefect 3.4 with pydantic
2.12 cannot resolve a postponed annotation of a flow parameter.
"""

from typing import Any

import requests
from prefect import flow

from vision_integrations.prefect import VisionCredentials, call_vision_api


@flow
def block_as_parameter(credentials: VisionCredentials, emulator_url: str) -> Any:
    """Call the API, revoke every token, then call it again."""
    call_vision_api(credentials, "inspections/1")
    requests.post(f"{emulator_url}/_emulator/revoke", timeout=10).raise_for_status()
    return call_vision_api(credentials, "inspections/2")
