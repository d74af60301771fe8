"""Memory, file and sealed-store caches, and their compare-before-discard rule."""

from __future__ import annotations

import logging
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from vision_integrations import (
    AccessToken,
    FileTokenCache,
    MemoryTokenCache,
    SealedStoreCache,
    TokenCache,
    VisionSettings,
    default_caches,
)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def tok(value: str) -> AccessToken:
    return AccessToken(
        value=value, expires_at=NOW + timedelta(hours=72), obtained_at=NOW
    )


@pytest.fixture
def plain(tmp_path: Path) -> VisionSettings:
    return VisionSettings.create(
        client_id="client-a",
        client_secret="secret-for-cache-tests",
        cache_dir=tmp_path / "cache",
    )


def test_every_cache_kind_satisfies_the_interface(plain: VisionSettings) -> None:
    for cache in default_caches(plain):
        assert isinstance(cache, TokenCache)


def test_memory_is_shared_by_identity_and_secret(plain: VisionSettings) -> None:
    MemoryTokenCache(plain).store(tok("token-one"))
    assert MemoryTokenCache(plain).load() == tok("token-one")
    wrong_secret = plain.replace(client_secret="not-the-secret")
    assert MemoryTokenCache(wrong_secret).load() is None
    assert MemoryTokenCache(plain.replace(client_id="client-b")).load() is None


def test_memory_discard_keeps_a_newer_token(plain: VisionSettings) -> None:
    cache = MemoryTokenCache(plain)
    cache.store(tok("newer"))
    cache.discard(tok("older"))
    assert cache.load() == tok("newer")
    cache.discard(tok("newer"))
    assert cache.load() is None


def test_file_cache_is_owner_only_and_sealed(plain: VisionSettings) -> None:
    cache = FileTokenCache(plain)
    cache.store(tok("file-token-value"))
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.directory.stat().st_mode) == 0o700
    assert b"file-token-value" not in cache.path.read_bytes()
    assert FileTokenCache(plain).load() == tok("file-token-value")
    leftovers = [p.name for p in cache.directory.iterdir() if p.suffix == ".tmp"]
    assert leftovers == []


def test_file_discard_keeps_a_token_another_process_stored(
    plain: VisionSettings,
) -> None:
    mine, theirs = FileTokenCache(plain), FileTokenCache(plain)
    mine.store(tok("old"))
    theirs.store(tok("new"))
    mine.discard(tok("old"))
    assert mine.load() == tok("new")
    mine.discard(tok("new"))
    assert not mine.path.exists()


def test_a_damaged_file_is_a_miss(plain: VisionSettings) -> None:
    cache = FileTokenCache(plain)
    cache.store(tok("value"))
    cache.path.write_bytes(os.urandom(200))
    assert cache.load() is None
    cache.path.write_bytes(b"x" * (70 * 1024))
    assert cache.load() is None


def test_an_unusable_cache_dir_warns_and_misses(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings = VisionSettings.create(
        client_id="c", client_secret="secret-xyz", cache_dir=blocker / "cache"
    )
    cache = FileTokenCache(settings)
    with caplog.at_level(logging.WARNING):
        cache.store(tok("value"))
        assert cache.load() is None
        with cache.lock():
            pass
    assert "continuing without it" in caplog.text
    assert "secret-xyz" not in caplog.text


def test_default_caches_respect_the_file_switch(plain: VisionSettings) -> None:
    kinds = [type(c) for c in default_caches(plain)]
    assert kinds == [MemoryTokenCache, FileTokenCache]
    off = [type(c) for c in default_caches(plain.replace(file_cache=False))]
    assert off == [MemoryTokenCache]


class _BrokenStore(SealedStoreCache):
    def read_record(self) -> str | None:
        raise ConnectionError("store is down")

    def write_record(self, record: str) -> None:
        raise ConnectionError("store is down")

    def clear_record(self) -> None:
        raise ConnectionError("store is down")


def test_a_failing_store_is_logged_and_treated_as_empty(
    plain: VisionSettings, caplog: pytest.LogCaptureFixture
) -> None:
    store = _BrokenStore(plain)
    with caplog.at_level(logging.WARNING):
        assert store.load() is None
        store.store(tok("value-that-must-not-be-logged"))
        store.discard(tok("value-that-must-not-be-logged"))
    assert caplog.text.count("store is down") == 3
    assert "value-that-must-not-be-logged" not in caplog.text
