"""Hand out one token per client for as long as it stays fresh.

The manager asks its caches in order (memory, then the host-wide file, then
whatever shared store a host adds) and returns the first fresh token. On a
miss it takes each cache's lock in the same order, looks again after each
one (someone holding that lock may just have stored a token), and only then
asks the authorization server, once, storing the answer everywhere. Threads
of a process, processes of a host and runs of a pipeline thus queue behind
a single fetch at every level that offers a lock.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta

import requests

from vision_integrations.caches import TokenCache, default_caches
from vision_integrations.errors import VisionTokenServiceError
from vision_integrations.settings import VisionSettings
from vision_integrations.token_client import request_token
from vision_integrations.tokens import REFRESH_MARGIN, AccessToken, Clock, utc_now

__all__ = ["TokenManager"]

logger = logging.getLogger(__name__)


class TokenManager:
    """Obtain, reuse and invalidate the access token of one client.

    `caches` defaults to `default_caches(settings)`. `on_token` is called
    once for every distinct token this manager hands out, before it is
    used; hosts register the value with their log maskers there.
    """

    def __init__(
        self,
        settings: VisionSettings,
        caches: Sequence[TokenCache] | None = None,
        *,
        clock: Clock = utc_now,
        margin: timedelta = REFRESH_MARGIN,
        http: requests.Session | None = None,
        on_token: Callable[[AccessToken], None] | None = None,
    ) -> None:
        self.settings = settings
        self.caches: tuple[TokenCache, ...] = tuple(
            default_caches(settings) if caches is None else caches
        )
        self.clock = clock
        self.margin = margin
        self._http = http
        self._on_token = on_token
        self._announced: str | None = None
        self._announce_lock = threading.Lock()

    def get_token(self) -> AccessToken:
        """Return a fresh token, fetching one only when no cache has one."""
        found = self._find(range(len(self.caches)))
        if found is not None:
            return self._hand_out(found)

        with contextlib.ExitStack() as held:
            for index, cache in enumerate(self.caches):
                held.enter_context(cache.lock())
                # Whoever held this lock before us may have stored a token in
                # this cache; the caches before it were checked already.
                found = self._find((index,))
                if found is not None:
                    return self._hand_out(found)

            token = self._fetch()
            for cache in self.caches:
                cache.store(token)
        return self._hand_out(token)

    def invalidate(self, token: AccessToken) -> None:
        """Forget `token` everywhere it is kept, and nothing newer."""
        logger.info(
            "Discarding Vision access token %s of client %s",
            token.fingerprint,
            self.settings.client_id,
        )
        for cache in self.caches:
            cache.discard(token)

    def close(self) -> None:
        """Close the connection pool used for token requests."""
        if self._http is not None:
            self._http.close()

    def _find(self, indexes: Sequence[int]) -> AccessToken | None:
        now = self.clock()
        for index in indexes:
            token = self.caches[index].load()
            if token is None or not token.is_fresh(now, self.margin):
                continue
            # Copy it into the faster caches, so the next look stops there.
            for faster in self.caches[:index]:
                faster.store(token)
            if index > 0:
                logger.debug(
                    "Reusing Vision access token %s of client %s from %r",
                    token.fingerprint,
                    self.settings.client_id,
                    self.caches[index],
                )
            return token
        return None

    def _fetch(self) -> AccessToken:
        if self._http is None:
            # Token requests use a session of their own, which carries no
            # bearer auth: obtaining a token can never recurse into itself.
            self._http = requests.Session()
        token = request_token(self.settings, self._http, self.clock)
        if not token.is_fresh(self.clock(), self.margin):
            raise VisionTokenServiceError(
                f"The token issued for client {self.settings.client_id!r} "
                f"expires at {token.expires_at.isoformat(timespec='seconds')}, "
                f"within the refresh margin of {self.margin}; check this "
                f"host's clock."
            )
        return token

    def _hand_out(self, token: AccessToken) -> AccessToken:
        if self._on_token is not None and token.fingerprint != self._announced:
            with self._announce_lock:
                if token.fingerprint != self._announced:
                    self._on_token(token)
                    self._announced = token.fingerprint
        return token

    def __repr__(self) -> str:
        return (
            f"TokenManager(client_id={self.settings.client_id!r}, "
            f"caches={list(self.caches)!r})"
        )
