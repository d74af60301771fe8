"""Seal tokens before they leave process memory.

A sealed record is AES-GCM ciphertext under a key derived (HKDF-SHA256) from
the client secret and the token's identity, with the identity also bound as
associated data. Whoever can read a store but does not hold the secret learns
nothing usable, and a record written for another client, audience or
authorization server, under a rotated secret, or damaged in any way, simply
does not open: the caller treats it as a cache miss.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
from datetime import datetime, timezone

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from vision_integrations.settings import VisionSettings
from vision_integrations.tokens import AccessToken

__all__ = ["RECORD_PREFIX", "TokenSealer"]

logger = logging.getLogger(__name__)

# The prefix names the format, so a later format can live beside this one.
RECORD_PREFIX = "vst1."
_KDF_SALT = b"vision-integrations token seal v1"
_NONCE_BYTES = 12
# Records are a few hundred bytes; anything far larger is not one of ours.
_MAX_RECORD_CHARS = 64 * 1024


class TokenSealer:
    """Seal and open token records for one client identity."""

    def __init__(self, settings: VisionSettings) -> None:
        identity = settings.identity.as_bytes()
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=_KDF_SALT, info=identity
        ).derive(settings.client_secret.get_secret_value().encode("utf-8"))
        self._aead = AESGCM(key)
        self._associated = RECORD_PREFIX.encode("ascii") + identity

    def seal(self, token: AccessToken) -> str:
        """Return an ASCII record that only these settings can open."""
        payload = json.dumps(
            {
                "value": token.value,
                "type": token.token_type,
                "expires_at": token.expires_at.timestamp(),
                "obtained_at": token.obtained_at.timestamp(),
            },
            separators=(",", ":"),
        ).encode("utf-8")
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, payload, self._associated)
        encoded = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=")
        return RECORD_PREFIX + encoded.decode("ascii")

    def unseal(self, record: str | None) -> AccessToken | None:
        """Open a record; return `None` for anything that does not open."""
        if not record or not isinstance(record, str):
            return None
        if not record.startswith(RECORD_PREFIX) or len(record) > _MAX_RECORD_CHARS:
            logger.debug("Ignoring a stored token record of an unknown format")
            return None
        body = record[len(RECORD_PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            payload = self._aead.decrypt(
                raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], self._associated
            )
            fields = json.loads(payload)
            return AccessToken(
                value=str(fields["value"]),
                token_type=str(fields["type"]),
                expires_at=_from_timestamp(fields["expires_at"]),
                obtained_at=_from_timestamp(fields["obtained_at"]),
            )
        except (InvalidTag, binascii.Error, ValueError, KeyError, TypeError):
            # Another secret, another identity or damaged data: all a miss.
            logger.debug("A stored token record did not open; treating it as a miss")
            return None


def _from_timestamp(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("timestamp must be a number")
    return datetime.fromtimestamp(value, tz=timezone.utc)
