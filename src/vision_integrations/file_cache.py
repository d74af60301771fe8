"""A sealed token file per client, shared by every process on one host.

The file lives in the user's cache directory (or `cache_dir`), is written
atomically with owner-only permissions, and sits beside a lock file so that
processes starting together fetch one token between them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import filelock
import platformdirs

from vision_integrations.caches import SealedStoreCache
from vision_integrations.settings import VisionSettings
from vision_integrations.tokens import AccessToken

__all__ = ["FileTokenCache", "default_cache_dir"]

logger = logging.getLogger(__name__)

_MAX_RECORD_BYTES = 64 * 1024


def default_cache_dir() -> Path:
    """Return the directory tokens are cached in when none is configured."""
    return Path(platformdirs.user_cache_dir("vision-integrations")) / "tokens"


class FileTokenCache(SealedStoreCache):
    """Keep one client's sealed token in a file, guarded by a file lock."""

    def __init__(self, settings: VisionSettings) -> None:
        super().__init__(settings)
        self.directory = settings.cache_dir or default_cache_dir()
        self.path = self.directory / f"{settings.cache_key}.token"
        self._lock_path = self.directory / f"{settings.cache_key}.lock"
        self._lock_timeout = settings.longest_fetch
        self._file_lock: filelock.FileLock | None = None

    @property
    def store_name(self) -> str:
        return f"file {self.path}"

    def read_record(self) -> str | None:
        try:
            with self.path.open("rb") as handle:
                raw = handle.read(_MAX_RECORD_BYTES + 1)
        except FileNotFoundError:
            return None
        if len(raw) > _MAX_RECORD_BYTES:
            return None
        return raw.decode("ascii", errors="replace").strip()

    def write_record(self, record: str) -> None:
        self._ensure_directory()
        # mkstemp creates the file readable by its owner only; the rename
        # makes the new record appear whole or not at all.
        handle, temporary = tempfile.mkstemp(
            dir=self.directory, prefix=".token-", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(record.encode("ascii"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def clear_record(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def lock(self) -> AbstractContextManager[object]:
        return self._locked()

    def discard(self, token: AccessToken) -> None:
        # Compare and remove under the lock, so a token another process
        # stored in between is never the one removed.
        with self._locked():
            super().discard(token)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self._ensure_directory()
            if self._file_lock is None:
                self._file_lock = filelock.FileLock(
                    self._lock_path, timeout=self._lock_timeout, mode=0o600
                )
            self._file_lock.acquire()
        except (OSError, filelock.Timeout) as exc:
            logger.warning(
                "Could not lock the token cache %s (%s); fetching without it",
                self._lock_path,
                type(exc).__name__,
            )
            yield
            return
        try:
            yield
        finally:
            self._file_lock.release()

    def _ensure_directory(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
