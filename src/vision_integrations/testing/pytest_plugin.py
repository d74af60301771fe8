"""Provide pytest fixtures that run code against a local Vision emulator.

Opt in from a ``conftest.py`` with
``pytest_plugins = ["vision_integrations.testing.pytest_plugin"]`` or on the
command line with ``-p vision_integrations.testing.pytest_plugin``.

Fixtures:

``vision_emulator``
    A started ``VisionEmulator`` for one test, stopped afterwards. It changes
    no global state; read its counters (``token_requests()``,
    ``api_calls()``, ``issued_tokens()``...) to assert on what the code did.

``vision_env``
    Depends on ``vision_emulator``. Removes every ``VISION_*`` variable of the
    surrounding environment, sets ``VISION_CLIENT_ID``,
    ``VISION_CLIENT_SECRET``, ``VISION_AUTH_URL``, ``VISION_AUDIENCE`` and
    ``VISION_API_BASE_URL`` from the emulator, and points ``VISION_CACHE_DIR``
    at a per-test temporary directory so that a test never reads or writes
    the user's token cache. Returns the variables it set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from vision_integrations.testing.emulator import VisionEmulator


@pytest.fixture
def vision_emulator() -> Iterator[VisionEmulator]:
    """Run a Vision emulator for the duration of one test."""
    with VisionEmulator() as emulator:
        yield emulator


@pytest.fixture
def vision_env(
    vision_emulator: VisionEmulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> dict[str, str]:
    """Point the VISION_* environment at the emulator and a private cache dir."""
    for name in list(os.environ):
        if name.startswith("VISION_"):
            monkeypatch.delenv(name)
    env = vision_emulator.env()
    env["VISION_CACHE_DIR"] = str(tmp_path / "vision-cache")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
