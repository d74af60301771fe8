"""Ask the authorization server for a token, exactly as the vendor documents.

The request is a JSON `POST` with the four fields of the client-credentials
grant. Answers are read defensively, rate limits and server faults are
retried within a bounded time, and refusals fail at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import requests

from vision_integrations.errors import (
    VisionAuthError,
    VisionRateLimitError,
    VisionTokenServiceError,
)
from vision_integrations.jwt_claims import jwt_expiry
from vision_integrations.retry import (
    MAX_ATTEMPTS,
    backoff_delay,
    server_requested_wait,
)
from vision_integrations.settings import VisionSettings
from vision_integrations.tokens import AccessToken, Clock

__all__ = ["request_token"]

logger = logging.getLogger(__name__)

_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
_MAX_ERROR_TEXT = 300
# An `expires_in` beyond ten years is nonsense (or infinity); treat it like a
# missing one and rely on the JWT's `exp` instead.
_LONGEST_LIFETIME = 10 * 365 * 24 * 3600


def request_token(
    settings: VisionSettings,
    http: requests.Session,
    clock: Clock,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> AccessToken:
    """Obtain a new access token, retrying what is worth retrying.

    Raise `VisionAuthError` when the grant is refused, `VisionRateLimitError`
    or `VisionTokenServiceError` when the server stays unusable for longer
    than `settings.retry_budget` seconds.
    """
    deadline = time.monotonic() + settings.retry_budget
    retry_number = 0
    while True:
        sent_at = clock()
        outcome = _attempt(settings, http, sent_at)
        if isinstance(outcome, AccessToken):
            return outcome
        failure, requested_wait = outcome

        retry_number += 1
        wait = (
            requested_wait
            if requested_wait is not None
            else backoff_delay(retry_number, rng)
        )
        if retry_number >= MAX_ATTEMPTS or time.monotonic() + wait > deadline:
            raise failure
        logger.warning(
            "Token request for client %s failed (%s); retrying in %.1f s",
            settings.client_id,
            failure,
            wait,
        )
        sleep(wait)


def _attempt(
    settings: VisionSettings, http: requests.Session, sent_at: datetime
) -> AccessToken | tuple[VisionTokenServiceError, float | None]:
    """Send one token request; return a token, or a retryable failure."""
    body = {
        "audience": settings.audience,
        "grant_type": "client_credentials",
        "client_id": settings.client_id,
        "client_secret": settings.client_secret.get_secret_value(),
    }
    try:
        response = http.post(
            settings.auth_url,
            json=body,
            headers={"Accept": "application/json"},
            timeout=settings.timeout,
            # The body carries the secret: never re-send it to wherever a
            # redirect points.
            allow_redirects=False,
        )
    except requests.Timeout:
        return _unreachable(settings, "timed out"), None
    except requests.RequestException as exc:
        return _unreachable(settings, type(exc).__name__), None

    with response:
        status = response.status_code
        if status == 200:
            return _parse_token(settings, response, sent_at)
        if status in _RETRYABLE_STATUS:
            return _retryable_failure(settings, response)
        if 300 <= status < 400:
            raise VisionTokenServiceError(
                f"The token endpoint {settings.auth_url} answered with a "
                f"redirect (HTTP {status}); set auth_url to the final URL.",
                status_code=status,
            )
        error, description = _error_fields(response)
        raise VisionAuthError(
            client_id=settings.client_id,
            status_code=status,
            error=error,
            error_description=description,
        )


def _unreachable(settings: VisionSettings, reason: str) -> VisionTokenServiceError:
    return VisionTokenServiceError(
        f"Could not reach the token endpoint {settings.auth_url}: {reason}."
    )


def _retryable_failure(
    settings: VisionSettings, response: requests.Response
) -> tuple[VisionTokenServiceError, float | None]:
    wait = server_requested_wait(response.headers)
    status = response.status_code
    if status == 429:
        error, description = _error_fields(response)
        detail = description or error or "too many requests"
        return (
            VisionRateLimitError(
                f"The token endpoint {settings.auth_url} rate-limited client "
                f"{settings.client_id!r}: {detail}.",
                retry_after=wait,
            ),
            wait,
        )
    return (
        VisionTokenServiceError(
            f"The token endpoint {settings.auth_url} failed with HTTP {status}.",
            status_code=status,
        ),
        wait,
    )


def _parse_token(
    settings: VisionSettings, response: requests.Response, sent_at: datetime
) -> AccessToken:
    def malformed(what: str) -> VisionTokenServiceError:
        return VisionTokenServiceError(
            f"The token endpoint {settings.auth_url} answered HTTP 200 but "
            f"{what}; is auth_url the token endpoint?",
            status_code=200,
        )

    payload = _json_object(response)
    if payload is None:
        content_type = response.headers.get("Content-Type", "no content type")
        raise malformed(f"not with a JSON object ({content_type})")

    value = payload.get("access_token")
    if not isinstance(value, str) or not value.strip():
        raise malformed("without an access_token")
    token_type = payload.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise malformed(f"with token_type {token_type!r} instead of Bearer")

    expires_at = _expiry(payload.get("expires_in"), sent_at, value)
    if expires_at is None:
        raise malformed("with neither a numeric expires_in nor a JWT exp")

    token = AccessToken(value=value, expires_at=expires_at, obtained_at=sent_at)
    logger.info(
        "Obtained a Vision access token %s for client %s from %s, valid until %s",
        token.fingerprint,
        settings.client_id,
        settings.auth_url,
        token.expires_at.isoformat(timespec="seconds"),
    )
    return token


def _expiry(expires_in: Any, sent_at: datetime, value: str) -> datetime | None:
    """Count `expires_in` from the send time, bounded by the JWT's `exp`."""
    lifetime = _seconds(expires_in)
    from_lifetime = sent_at + timedelta(seconds=lifetime) if lifetime else None
    from_claim = jwt_expiry(value)
    candidates = [m for m in (from_lifetime, from_claim) if m is not None]
    return min(candidates) if candidates else None


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or not 0 < value < _LONGEST_LIFETIME:
        return None
    return float(value)


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _error_fields(response: requests.Response) -> tuple[str | None, str | None]:
    payload = _json_object(response) or {}
    fields = []
    for name in ("error", "error_description"):
        text = payload.get(name)
        fields.append(text[:_MAX_ERROR_TEXT] if isinstance(text, str) else None)
    return fields[0], fields[1]
