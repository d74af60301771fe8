"""One real Prefect API for the whole test session, and helpers around it.

The API is Prefect's own test harness: a server subprocess on a free port
with a temporary SQLite database. Flow runs in other processes reach it
through `PREFECT_API_URL`. Everything Prefect writes goes under a private
`PREFECT_HOME`, so the leak scan can read all of it.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ._api import PrefectAPI

if importlib.util.find_spec("prefect") is None:
    # The Prefect side is tested in its own environment (see noxfile.py).
    collect_ignore_glob = ["test_*.py"]
else:
    # Set before Prefect is imported, so that its settings see them.
    _PREFECT_HOME = Path(tempfile.mkdtemp(prefix="vision-prefect-home-"))
    os.environ["PREFECT_HOME"] = str(_PREFECT_HOME)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["DO_NOT_TRACK"] = "1"

# The harness waits 30 s for its server by default; a busy two-core CI
# machine can need longer, so wait up to this before failing.
SERVER_STARTUP_SECONDS = 180


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[PrefectAPI]:
    """Start the Prefect test harness once for the whole session."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_DATABASE_CONNECTION_URL,
    )
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=SERVER_STARTUP_SECONDS):
        url = PREFECT_API_URL.value()
        database = PREFECT_SERVER_DATABASE_CONNECTION_URL.value().split(":///", 1)[1]
        yield PrefectAPI(url=url, database=Path(database), home=_PREFECT_HOME)


@pytest.fixture(autouse=True)
def _private_vision_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep tests out of the user's token cache and VISION_* settings."""
    for name in list(os.environ):
        if name.startswith("VISION_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("VISION_CACHE_DIR", str(tmp_path / "vision-cache"))


@pytest.fixture
def flow_env(prefect_api: PrefectAPI, tmp_path: Path) -> dict[str, str]:
    """Return an environment for flow-run subprocesses, without VISION_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISION_")}
    env.update(
        PREFECT_API_URL=prefect_api.url,
        # Our library's own log records go to the API too, so the leak scan
        # of run logs covers them.
        PREFECT_LOGGING_EXTRA_LOGGERS="vision_integrations",
        PREFECT_LOGGING_LEVEL="DEBUG",
        # Extra loggers inherit the root level, WARNING by default.
        PREFECT_LOGGING_ROOT_LEVEL="DEBUG",
        PYTHONUNBUFFERED="1",
    )
    return env
