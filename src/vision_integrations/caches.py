"""Where tokens are kept between uses, behind one small interface.

A `TokenCache` is bound to one client's settings when it is built. The
`TokenManager` asks its caches in order (the cheapest first), takes their
locks in the same order before fetching, and writes a new token to all of
them. Three kinds live here: the process-wide memory cache, the base for
stores that keep one sealed string (the Airflow and Prefect stores build on
it), and the list of defaults. The local file cache has its own module.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import threading
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from vision_integrations.sealing import TokenSealer
from vision_integrations.settings import VisionSettings
from vision_integrations.tokens import AccessToken

__all__ = [
    "MemoryTokenCache",
    "SealedStoreCache",
    "TokenCache",
    "default_caches",
]

logger = logging.getLogger(__name__)


@runtime_checkable
class TokenCache(Protocol):
    """A place that keeps at most one token for one client identity."""

    def load(self) -> AccessToken | None:
        """Return the kept token, or `None` when there is none usable."""

    def store(self, token: AccessToken) -> None:
        """Keep `token`, replacing whatever was kept before."""

    def discard(self, token: AccessToken) -> None:
        """Forget `token`, but only if it is the one kept now.

        A newer token that someone else stored meanwhile must survive.
        """

    def lock(self) -> AbstractContextManager[object]:
        """Return a lock that serialises fetches among this cache's sharers."""


class _MemorySlot:
    __slots__ = ("lock", "token")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.token: AccessToken | None = None


_slots: dict[str, _MemorySlot] = {}
_slots_guard = threading.Lock()


def _reset_locks_after_fork() -> None:
    # A child process inherits locks in whatever state some other thread of
    # the parent held them; give it fresh ones (the tokens stay valid).
    global _slots_guard
    _slots_guard = threading.Lock()
    for slot in _slots.values():
        slot.lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_locks_after_fork)


class MemoryTokenCache:
    """The process-wide memory slot for one client's token.

    Every cache built for the same identity and secret shares one slot, so
    hooks, blocks and sessions created anywhere in a process reuse a token.
    The slot is keyed by a keyed hash of the secret as well, so settings with
    the right client ID but a wrong secret never see the token.
    """

    def __init__(self, settings: VisionSettings) -> None:
        key = hmac.new(
            settings.client_secret.get_secret_value().encode("utf-8"),
            settings.identity.as_bytes(),
            hashlib.sha256,
        ).hexdigest()
        with _slots_guard:
            self._slot = _slots.setdefault(key, _MemorySlot())

    def load(self) -> AccessToken | None:
        return self._slot.token

    def store(self, token: AccessToken) -> None:
        self._slot.token = token

    def discard(self, token: AccessToken) -> None:
        # Compare and clear in one step so that a token another thread just
        # stored is never the one removed.
        with _slots_guard:
            kept = self._slot.token
            if kept is not None and kept.value == token.value:
                self._slot.token = None

    def lock(self) -> AbstractContextManager[object]:
        return self._slot.lock

    def __repr__(self) -> str:
        return "MemoryTokenCache()"


class SealedStoreCache(ABC):
    """Base for a store that keeps one sealed record as a string.

    Subclasses only move the record: `read_record`, `write_record` and
    `clear_record`. Sealing, opening and the compare-before-discard rule live
    here. A store that fails (its service is down, no permission) is logged
    and treated as empty: a cache may make things faster, never break them.
    """

    def __init__(self, settings: VisionSettings) -> None:
        self.settings = settings
        self._sealer = TokenSealer(settings)

    @abstractmethod
    def read_record(self) -> str | None:
        """Return the stored record, or `None` when there is none."""

    @abstractmethod
    def write_record(self, record: str) -> None:
        """Store `record`, replacing any earlier one."""

    @abstractmethod
    def clear_record(self) -> None:
        """Remove the stored record."""

    def lock(self) -> AbstractContextManager[object]:
        return contextlib.nullcontext()

    @property
    def store_name(self) -> str:
        """A short description of the store, for log messages."""
        return type(self).__name__

    def load(self) -> AccessToken | None:
        try:
            record = self.read_record()
        except Exception as exc:
            self._warn("read from", exc)
            return None
        return self._sealer.unseal(record)

    def store(self, token: AccessToken) -> None:
        try:
            self.write_record(self._sealer.seal(token))
        except Exception as exc:
            self._warn("write to", exc)

    def discard(self, token: AccessToken) -> None:
        try:
            kept = self._sealer.unseal(self.read_record())
            if kept is not None and kept.value == token.value:
                self.clear_record()
        except Exception as exc:
            self._warn("clear", exc)

    def _warn(self, action: str, exc: Exception) -> None:
        logger.warning(
            "Could not %s the %s token store for client %s (%s: %s); "
            "continuing without it",
            action,
            self.store_name,
            self.settings.client_id,
            type(exc).__name__,
            exc,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={self.settings.client_id!r})"


def default_caches(settings: VisionSettings) -> list[TokenCache]:
    """Return the caches a plain-Python session uses: memory, then file."""
    caches: list[TokenCache] = [MemoryTokenCache(settings)]
    if settings.file_cache:
        # Imported here because the file cache module imports its own
        # dependencies, which processes that never use it need not pay for.
        from vision_integrations.file_cache import FileTokenCache

        caches.append(FileTokenCache(settings))
    return caches
