"""A lock shared by every flow run of a Prefect deployment, for token fetches.

Prefect has no lock as such, but a global concurrency limit of one slot acts
as one: whoever holds the slot fetches the token and writes it to the block,
everyone else waits and then finds it there. The limit is created on first
use. When it cannot be used (no API, a server without global concurrency
limits, no permission) the lock logs one warning per process and lets the
caller through: a second token costs far less than a failed flow run.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import threading
from collections.abc import Iterator
from typing import Any

from vision_integrations.settings import VisionSettings

__all__ = ["GlobalConcurrencyLock", "lock_name_for"]

logger = logging.getLogger(__name__)

# The server refuses leases shorter than a minute. A fetch, every retry
# included, ends well within one lease, and the lease is renewed meanwhile;
# a holder that dies frees the slot when its lease runs out.
LEASE_SECONDS = 60.0

_LOCK_NAME_PREFIX = "vision-token-"

# Names whose lock proved unusable in this process, and whether the one
# warning about that was logged; shared by every lock object.
_unusable: set[str] = set()
_ready: set[str] = set()
_state_guard = threading.Lock()
_warned = False


def lock_name_for(settings: VisionSettings) -> str:
    """Return the name of the concurrency limit that guards these settings.

    The name carries no secret: it is derived from the identity the token is
    issued for, so every run that shares a token shares the lock.
    """
    return _LOCK_NAME_PREFIX + settings.cache_key[:16]


class GlobalConcurrencyLock:
    """Hold a Prefect global concurrency limit of one slot while fetching.

    `wait_seconds` bounds the wait for the slot. A holder needs at most one
    whole fetch with every retry; waiting longer means something is stuck,
    and then fetching without the lock is better than hanging the flow run.
    """

    def __init__(self, name: str, *, wait_seconds: float) -> None:
        self.name = name
        self.wait_seconds = wait_seconds

    @classmethod
    def for_settings(cls, settings: VisionSettings) -> GlobalConcurrencyLock:
        """Return the lock for the token these settings obtain."""
        return cls(lock_name_for(settings), wait_seconds=settings.longest_fetch)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the slot for the duration of the `with` block.

        Only failures to get the slot are absorbed; an error raised inside
        the block passes through unchanged.
        """
        with contextlib.ExitStack() as stack:
            self._acquire(stack)
            yield

    def _acquire(self, stack: contextlib.ExitStack) -> None:
        with _state_guard:
            if self.name in _unusable:
                return
        # Imported here: this module is imported with the block, and loading
        # Prefect's concurrency machinery is only needed once a fetch happens.
        from prefect.concurrency.sync import concurrency

        try:
            self._ensure_limit()
            slot = concurrency(self.name, **_concurrency_arguments(self.wait_seconds))
            slot.__enter__()
        except TimeoutError:
            logger.warning(
                "Waited %.0f s for the token lock %r; fetching without it",
                self.wait_seconds,
                self.name,
            )
        except Exception as exc:
            _mark_unusable(self.name, exc)
        else:
            stack.callback(self._release, slot)

    def _release(self, slot: contextlib.AbstractContextManager[None]) -> None:
        # The token is fetched and stored by now; a slot that cannot be given
        # back must not fail the caller (its lease runs out on its own).
        try:
            slot.__exit__(None, None, None)
        except Exception as exc:
            logger.warning(
                "Could not release the token lock %r (%s)", self.name, _describe(exc)
            )

    def _ensure_limit(self) -> None:
        with _state_guard:
            if self.name in _ready:
                return

        from prefect.client.orchestration import get_client
        from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
        from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

        with get_client(sync_client=True) as client:
            try:
                limit = client.read_global_concurrency_limit_by_name(self.name)
            except ObjectNotFound:
                try:
                    client.create_global_concurrency_limit(
                        GlobalConcurrencyLimitCreate(
                            name=self.name, limit=1, active=True
                        )
                    )
                    logger.info("Created the token lock %r", self.name)
                except ObjectAlreadyExists:
                    # Another process created it a moment ago: just as good.
                    pass
            else:
                if limit.limit != 1 or not limit.active:
                    logger.warning(
                        "The concurrency limit %r has limit %s and active=%s; "
                        "as a token lock it needs limit 1 and active=True",
                        self.name,
                        limit.limit,
                        limit.active,
                    )
        with _state_guard:
            _ready.add(self.name)

    def __repr__(self) -> str:
        return f"GlobalConcurrencyLock(name={self.name!r})"


def _concurrency_arguments(wait_seconds: float) -> dict[str, Any]:
    # `strict=True` makes a missing limit an error instead of a silent no-op.
    # Lease arguments exist only in Prefect releases with leased slots; older
    # ones release the slot at the end of the block just the same.
    from prefect.concurrency.sync import concurrency

    arguments: dict[str, Any] = {
        "occupy": 1,
        "timeout_seconds": wait_seconds,
        "strict": True,
    }
    accepted = inspect.signature(concurrency).parameters
    if "lease_duration" in accepted:
        arguments["lease_duration"] = LEASE_SECONDS
    if "raise_on_lease_renewal_failure" in accepted:
        # A missed renewal must not cancel the flow run that is fetching.
        arguments["raise_on_lease_renewal_failure"] = False
    return arguments


def _mark_unusable(name: str, exc: Exception) -> None:
    global _warned
    with _state_guard:
        _unusable.add(name)
        first = not _warned
        _warned = True
    if first:
        logger.warning(
            "Prefect global concurrency limits are unavailable (%s); concurrent "
            "flow runs may each fetch a token until this process restarts",
            _describe(exc),
        )
    else:
        logger.debug("Token lock %r unavailable (%s)", name, _describe(exc))


def _describe(exc: Exception) -> str:
    # The exception text may quote a server response; its type and the
    # response status are enough to act on and carry nothing secret.
    status = getattr(getattr(exc, "response", None), "status_code", None)
    cause = exc.__cause__
    if status is None and cause is not None:
        status = getattr(getattr(cause, "response", None), "status_code", None)
    return type(exc).__name__ if status is None else f"{type(exc).__name__} {status}"
