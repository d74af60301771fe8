"""Token state, the refresh margin, and reading `exp` from a JWT."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest

from vision_integrations import REFRESH_MARGIN, AccessToken, TokenState
from vision_integrations.jwt_claims import jwt_expiry

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def token(lifetime: timedelta) -> AccessToken:
    return AccessToken(
        value="tok-value-abcdef", expires_at=NOW + lifetime, obtained_at=NOW
    )


def test_margin_is_five_minutes() -> None:
    assert timedelta(minutes=5) == REFRESH_MARGIN


@pytest.mark.parametrize(
    ("left", "state"),
    [
        (timedelta(hours=72), TokenState.FRESH),
        (REFRESH_MARGIN + timedelta(seconds=1), TokenState.FRESH),
        (REFRESH_MARGIN, TokenState.NEEDS_REFRESH),
        (timedelta(seconds=1), TokenState.NEEDS_REFRESH),
        (timedelta(0), TokenState.EXPIRED),
        (-timedelta(hours=1), TokenState.EXPIRED),
    ],
)
def test_state_follows_the_margin(left: timedelta, state: TokenState) -> None:
    assert token(left).state(NOW) is state
    assert token(left).is_fresh(NOW) is (state is TokenState.FRESH)


def test_a_custom_margin_and_clock_reading_are_honoured() -> None:
    tok = token(timedelta(minutes=10))
    assert tok.state(NOW, margin=timedelta(minutes=15)) is TokenState.NEEDS_REFRESH
    assert tok.state(NOW + timedelta(minutes=6)) is TokenState.NEEDS_REFRESH


def test_repr_hides_the_value() -> None:
    tok = token(timedelta(hours=1))
    assert "tok-value-abcdef" not in repr(tok)
    assert tok.fingerprint in tok.fingerprint
    assert tok.authorization_header == "Bearer tok-value-abcdef"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        AccessToken(value="x", expires_at=datetime(2026, 1, 1), obtained_at=NOW)


def _jwt(claims: object) -> str:
    def part(obj: object) -> str:
        raw = json.dumps(obj).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(claims)}.sig"


def test_jwt_expiry_reads_exp() -> None:
    assert jwt_expiry(_jwt({"exp": 1_800_000_000})) == datetime.fromtimestamp(
        1_800_000_000, tz=timezone.utc
    )


@pytest.mark.parametrize(
    "value",
    [
        "not-a-jwt",
        "a.b",
        "a.!!!.c",
        _jwt(["list"]),
        _jwt({"exp": "soon"}),
        _jwt({"exp": True}),
        _jwt({"iat": 1}),
        _jwt({"exp": 10**30}),
    ],
)
def test_jwt_expiry_is_none_for_anything_unusable(value: str) -> None:
    assert jwt_expiry(value) is None
