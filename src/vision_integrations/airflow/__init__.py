"""Apache Airflow 3 provider for the Truepic Vision API.

Import names from here::

    from vision_integrations.airflow import VisionHook, VisionOperator

The names are loaded on first use, so that Airflow can read the provider
description (`provider_info`) without importing the hook and its dependencies.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vision_integrations.airflow.hook import VisionHook
    from vision_integrations.airflow.operators import (
        VisionOperator,
        VisionTokenOperator,
        provision_vision_token,
    )

__all__ = [
    "VisionHook",
    "VisionOperator",
    "VisionTokenOperator",
    "provision_vision_token",
]

_HOMES = {
    "VisionHook": "vision_integrations.airflow.hook",
    "VisionOperator": "vision_integrations.airflow.operators",
    "VisionTokenOperator": "vision_integrations.airflow.operators",
    "provision_vision_token": "vision_integrations.airflow.operators",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
