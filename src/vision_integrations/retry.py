"""How long to wait before asking the authorization server again."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

__all__ = ["MAX_ATTEMPTS", "backoff_delay", "server_requested_wait"]

# Exponential backoff starts at half a second and doubles up to eight; with
# full jitter, clients that failed together do not come back together.
_BACKOFF_BASE = 0.5
_BACKOFF_CAP = 8.0

# Even with time left in the budget, stop after this many tries: a server
# that keeps asking for no wait at all must not make the client spin.
MAX_ATTEMPTS = 8

# A server may ask for a wait as long as it likes; past this the request
# fails at once instead of blocking a pipeline for hours.
_LONGEST_HONOURED_WAIT = 3600.0


def backoff_delay(retry_number: int, rng: random.Random | None = None) -> float:
    """Return a full-jitter delay for the given retry (1 for the first)."""
    ceiling = min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** max(retry_number - 1, 0))
    return (rng or random).uniform(0, ceiling)


def server_requested_wait(
    headers: Mapping[str, str], now: datetime | None = None
) -> float | None:
    """Return the seconds the server asked to wait, or `None` if it did not.

    `Retry-After` may be seconds or an HTTP date; `X-RateLimit-Reset` is the
    UNIX time at which the limit resets (Auth0's convention).
    """
    now = datetime.now(timezone.utc) if now is None else now
    retry_after = headers.get("Retry-After")
    if retry_after:
        seconds = _seconds_or_date(retry_after.strip(), now)
        if seconds is not None:
            return seconds
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        try:
            reset_at = float(reset.strip())
        except ValueError:
            return None
        return _bounded(reset_at - now.timestamp())
    return None


def _seconds_or_date(text: str, now: datetime) -> float | None:
    try:
        return _bounded(float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return _bounded((when - now).total_seconds())


def _bounded(seconds: float) -> float:
    if seconds != seconds:  # NaN
        return 0.0
    return min(max(seconds, 0.0), _LONGEST_HONOURED_WAIT)
