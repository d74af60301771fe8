"""The token manager: reuse, single-flight fetching, invalidation, margins."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.core._worker import fetch_one_token
from vision_integrations import (
    AccessToken,
    FileTokenCache,
    MemoryTokenCache,
    TokenManager,
    VisionSettings,
    VisionTokenServiceError,
)
from vision_integrations.testing import VisionEmulator


def test_a_fresh_token_is_reused(
    vision_emulator: VisionEmulator, settings: VisionSettings
) -> None:
    manager = TokenManager(settings)
    first = manager.get_token()
    assert manager.get_token() is first
    assert TokenManager(settings).get_token() == first
    assert vision_emulator.token_requests() == 1


def test_32_threads_with_an_empty_cache_fetch_once(
    vision_emulator: VisionEmulator, settings: VisionSettings
) -> None:
    start = threading.Barrier(32)

    def worker(_: int) -> str:
        manager = TokenManager(settings)
        start.wait()
        return manager.get_token().fingerprint

    with ThreadPoolExecutor(32) as pool:
        fingerprints = set(pool.map(worker, range(32)))
    assert len(fingerprints) == 1
    assert vision_emulator.token_requests() == 1


@pytest.mark.slow
def test_8_processes_with_an_empty_cache_fetch_once(
    vision_emulator: VisionEmulator, tmp_path: Path
) -> None:
    env = {**vision_emulator.env(), "VISION_CACHE_DIR": str(tmp_path / "shared")}
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(8)
    results = context.Queue()
    workers = [
        context.Process(target=fetch_one_token, args=(env, start, results))
        for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    fingerprints = {results.get(timeout=60) for _ in workers}
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert len(fingerprints) == 1
    assert vision_emulator.token_requests() == 1


def test_a_token_from_the_file_cache_fills_memory(
    vision_emulator: VisionEmulator, settings: VisionSettings
) -> None:
    TokenManager(settings, [FileTokenCache(settings)]).get_token()
    memory = MemoryTokenCache(settings)
    assert memory.load() is None
    token = TokenManager(settings).get_token()
    assert memory.load() == token
    assert vision_emulator.token_requests() == 1


def test_invalidate_removes_only_that_token(
    vision_emulator: VisionEmulator, settings: VisionSettings
) -> None:
    manager = TokenManager(settings)
    old = manager.get_token()
    newer = AccessToken(
        value=vision_emulator.mint_token(),
        expires_at=old.expires_at,
        obtained_at=old.obtained_at,
    )
    for cache in manager.caches:
        cache.store(newer)
    manager.invalidate(old)
    assert all(cache.load() == newer for cache in manager.caches)

    manager.invalidate(newer)
    assert all(cache.load() is None for cache in manager.caches)
    assert manager.get_token() not in (old, newer)
    assert vision_emulator.token_requests() == 2


def test_a_token_inside_the_margin_is_replaced_before_use(
    vision_emulator: VisionEmulator, settings: VisionSettings
) -> None:
    offset = timedelta(0)

    def clock() -> datetime:
        return datetime.now(timezone.utc) + offset

    manager = TokenManager(settings, clock=clock)
    first = manager.get_token()
    # The emulator issues 72-hour tokens; step to 4 minutes before expiry.
    offset = first.expires_at - datetime.now(timezone.utc) - timedelta(minutes=4)
    vision_emulator.advance_clock(offset.total_seconds())
    second = manager.get_token()
    assert second != first
    assert second.is_fresh(clock())
    assert vision_emulator.token_requests() == 2


def test_a_token_born_inside_the_margin_is_refused(settings: VisionSettings) -> None:
    with VisionEmulator(token_lifetime=120) as short:
        short_settings = settings.replace(
            client_id=short.client_id,
            client_secret=short.client_secret,
            auth_url=short.auth_url,
            api_base_url=short.api_base_url,
        )
        manager = TokenManager(short_settings)
        with pytest.raises(VisionTokenServiceError, match="refresh margin"):
            manager.get_token()
        assert TokenManager(short_settings, margin=timedelta(seconds=30)).get_token()


def test_on_token_sees_each_distinct_token_once(
    vision_emulator: VisionEmulator, settings: VisionSettings
) -> None:
    seen: list[str] = []
    manager = TokenManager(settings, on_token=lambda t: seen.append(t.fingerprint))
    first = manager.get_token()
    manager.get_token()
    manager.invalidate(first)
    second = manager.get_token()
    assert seen == [first.fingerprint, second.fingerprint]


def test_repr_shows_no_secret_or_token(
    vision_emulator: VisionEmulator, settings: VisionSettings
) -> None:
    manager = TokenManager(settings)
    token = manager.get_token()
    text = repr(manager) + repr(token) + repr(settings)
    assert vision_emulator.client_secret not in text
    assert token.value not in text
