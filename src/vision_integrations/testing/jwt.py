"""Mint and check the emulator's JWT-shaped access tokens (HS256).

The real service signs with its own key and clients must never verify the
signature; the emulator signs with a random per-instance key only so that it
can tell its own tokens from forged or foreign ones.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any

_HEADER = {"alg": "HS256", "typ": "JWT"}


def b64url_encode(data: bytes) -> str:
    """Encode bytes as base64url without padding, as JWTs do."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; raise ValueError on bad input."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def _json_segment(value: Mapping[str, object]) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


class TokenSigner:
    """Sign claims into compact JWTs and read back the ones it signed."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)

    def __repr__(self) -> str:
        return "TokenSigner(key=<hidden>)"

    def encode(self, claims: Mapping[str, object]) -> str:
        """Return a signed compact JWT carrying ``claims``."""
        signing_input = f"{_json_segment(_HEADER)}.{_json_segment(claims)}"
        return f"{signing_input}.{self._sign(signing_input)}"

    def decode(self, token: str) -> dict[str, Any] | None:
        """Return the claims of a token this signer made, or None for any other."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        signing_input = f"{parts[0]}.{parts[1]}"
        if not hmac.compare_digest(self._sign(signing_input), parts[2]):
            return None
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
        except ValueError:
            return None
        if header != _HEADER or not isinstance(claims, dict):
            return None
        return claims

    def _sign(self, signing_input: str) -> str:
        digest = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        return b64url_encode(digest)


def read_claims(token: str) -> dict[str, Any] | None:
    """Return a JWT's claims without checking its signature, or None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(b64url_decode(parts[1]))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None
