"""Shared helpers for the core tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vision_integrations import VisionSettings
from vision_integrations.testing import VisionEmulator


@pytest.fixture
def settings(vision_emulator: VisionEmulator, tmp_path: Path) -> VisionSettings:
    """Settings for the emulator's default client, with a private cache dir."""
    return VisionSettings.create(
        client_id=vision_emulator.client_id,
        client_secret=vision_emulator.client_secret,
        auth_url=vision_emulator.auth_url,
        audience=vision_emulator.audience,
        api_base_url=vision_emulator.api_base_url,
        cache_dir=tmp_path / "cache",
        retry_budget=5,
    )


@pytest.fixture(autouse=True)
def _fresh_memory_slots() -> Iterator[None]:
    """Give every test an empty process-wide memory cache."""
    from vision_integrations import caches

    saved = dict(caches._slots)
    caches._slots.clear()
    yield
    caches._slots.clear()
    caches._slots.update(saved)
