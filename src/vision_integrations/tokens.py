"""Access tokens and the rule that decides when one must be replaced."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

__all__ = [
    "REFRESH_MARGIN",
    "AccessToken",
    "Clock",
    "TokenState",
    "utc_now",
]

# A token is replaced once less than this much of its life is left. Vision
# tokens live 72 hours, so five minutes costs nothing in reuse, yet it covers
# a slow request (connect and read timeouts plus retries) and ordinary clock
# skew between this host and the authorization server.
REFRESH_MARGIN = timedelta(minutes=5)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


class TokenState(enum.Enum):
    """Where a token stands in its life, for a given clock reading."""

    FRESH = "fresh"
    """More than the refresh margin is left: use it."""
    NEEDS_REFRESH = "needs_refresh"
    """Still accepted, but inside the margin: obtain a new one first."""
    EXPIRED = "expired"
    """Past its expiry: the API will refuse it."""


@dataclass(frozen=True)
class AccessToken:
    """An immutable bearer token with the moment it stops being valid.

    The token value never appears in `repr()`; use `fingerprint` to tell
    tokens apart in logs.
    """

    value: str = field(repr=False)
    expires_at: datetime
    obtained_at: datetime
    token_type: str = "Bearer"  # noqa: S105 (a scheme name, not a secret)

    def __post_init__(self) -> None:
        for name in ("expires_at", "obtained_at"):
            moment: datetime = getattr(self, name)
            if moment.tzinfo is None:
                raise ValueError(f"AccessToken.{name} must be timezone-aware")

    def state(
        self, now: datetime | None = None, margin: timedelta = REFRESH_MARGIN
    ) -> TokenState:
        """Classify the token at `now` (the current time by default)."""
        now = utc_now() if now is None else now
        if now >= self.expires_at:
            return TokenState.EXPIRED
        if self.expires_at - now <= margin:
            return TokenState.NEEDS_REFRESH
        return TokenState.FRESH

    def is_fresh(
        self, now: datetime | None = None, margin: timedelta = REFRESH_MARGIN
    ) -> bool:
        """Tell whether the token may still be used at `now`."""
        return self.state(now, margin) is TokenState.FRESH

    @property
    def fingerprint(self) -> str:
        """A short, non-reversible name for the token, safe to log."""
        return hashlib.sha256(self.value.encode("utf-8")).hexdigest()[:12]

    @property
    def authorization_header(self) -> str:
        """The value of the `Authorization` header that carries the token."""
        return f"Bearer {self.value}"
