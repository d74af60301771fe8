"""Small bridges to the Airflow task runtime, each safe outside a task.

Hooks run in three kinds of place: a task (full context), the API server
(`test_connection`, no task context) and plain scripts. The helpers here
answer "am I in a task?" and register values with the secrets masker, and
quietly do nothing where that makes no sense.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from vision_integrations.tokens import AccessToken

__all__ = ["current_task_instance", "mask_token"]

logger = logging.getLogger(__name__)

_masked_lock = threading.Lock()
# Fingerprints already registered in this process: the masker keeps a set,
# but each registration inside a task also costs a message to the supervisor.
_masked: set[str] = set()


def current_task_instance() -> Any | None:
    """Return the running task instance, or `None` outside a task."""
    try:
        from airflow.sdk import get_current_context

        context = get_current_context()
    except (ImportError, RuntimeError):
        return None
    return context.get("ti")


def mask_token(token: AccessToken) -> None:
    """Register a token's value with Airflow's secrets masker, once per process.

    Inside a task this also reaches the supervisor, which writes the task log,
    so the value is redacted there too.
    """
    with _masked_lock:
        if token.fingerprint in _masked:
            return
        _masked.add(token.fingerprint)
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - Airflow older than the floor
        logger.warning("Airflow's secrets masker is unavailable; tokens unmasked")
        return
    mask_secret(token.value)
