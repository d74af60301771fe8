"""Read the expiry claim of a JWT without verifying it.

The signature is not checked on purpose: the client only needs `exp` to
bound how long it keeps the token, and the API is what judges validity.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timezone

__all__ = ["jwt_expiry"]


def jwt_expiry(token: str) -> datetime | None:
    """Return the `exp` claim as an aware UTC datetime, or `None`.

    `None` means the token is not a JWT, its payload is not JSON, or it has
    no usable numeric `exp`.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    if not isinstance(claims, dict):
        return None
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(exp, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
