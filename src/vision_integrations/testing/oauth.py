"""Emulate the Auth0-style authorization server behind Vision's token endpoint.

It checks a client-credentials request the way the real service is known to
(see the table in the project's notes on the Vision API), issues JWT-shaped
tokens, and later tells the API routes whether a bearer token is acceptable.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from dataclasses import dataclass

from vision_integrations.testing.clock import EmulatorClock
from vision_integrations.testing.jwt import TokenSigner, read_claims
from vision_integrations.testing.messages import Reply, oauth_error

DEFAULT_AUDIENCE = "https://vision-api.truepic.com"
DEFAULT_TOKEN_LIFETIME = 259200  # 72 hours, the lifetime the vendor documents
GRANT_TYPE = "client_credentials"

# Grants Auth0 knows but a machine-to-machine client usually has disabled:
# asking for one is "unauthorized_client", anything else is unsupported.
_KNOWN_GRANTS = frozenset(
    {
        "authorization_code",
        "implicit",
        "password",
        "refresh_token",
        "http://auth0.com/oauth/grant-type/password-realm",
        "urn:ietf:params:oauth:grant-type:device_code",
    }
)
_REQUIRED_FIELDS = ("grant_type", "client_id", "client_secret", "audience")


@dataclass(frozen=True)
class _Client:
    secret: str
    granted: bool


@dataclass(frozen=True)
class Grant:
    """Hold the outcome of a token request: the reply and the token, if any."""

    reply: Reply
    token: str | None = None


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json"


class AuthorizationServer:
    """Validate grants, issue tokens and judge bearer tokens, thread-safely."""

    def __init__(
        self,
        *,
        audience: str,
        lifetime: int,
        clock: EmulatorClock,
        signer: TokenSigner | None = None,
    ) -> None:
        self.audience = audience
        self.issuer = "http://127.0.0.1/"
        self._lifetime = lifetime
        self._clock = clock
        self._signer = signer or TokenSigner()
        self._clients: dict[str, _Client] = {}
        self._known_ids: list[str] = []
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    @property
    def lifetime(self) -> int:
        """Return the lifetime, in seconds, of tokens issued from now on."""
        return self._lifetime

    @lifetime.setter
    def lifetime(self, seconds: int) -> None:
        if seconds <= 0:
            raise ValueError("token lifetime must be a positive number of seconds")
        self._lifetime = int(seconds)

    def add_client(self, client_id: str, secret: str, *, granted: bool = True) -> None:
        """Register (or replace) a client and whether it may use the API."""
        if not client_id or not secret:
            raise ValueError("client_id and secret must be non-empty strings")
        with self._lock:
            self._clients[client_id] = _Client(secret, granted)

    def grant(self, body: bytes, content_type: str | None) -> Grant:
        """Answer one token request as the real endpoint would."""
        if not _is_json(content_type):
            return Grant(
                oauth_error(
                    400, "invalid_request", "Content-Type must be application/json"
                )
            )
        try:
            fields = json.loads(body)
        except ValueError:
            return Grant(oauth_error(400, "invalid_request", "Invalid JSON body"))
        if not isinstance(fields, dict):
            return Grant(
                oauth_error(400, "invalid_request", "Body must be a JSON object")
            )
        for name in _REQUIRED_FIELDS:
            value = fields.get(name)
            if value is None or value == "":
                message = f"Missing required parameter: {name}"
                return Grant(oauth_error(400, "invalid_request", message))
            if not isinstance(value, str):
                message = f"Parameter must be a string: {name}"
                return Grant(oauth_error(400, "invalid_request", message))
        return self._grant_checked(
            fields["grant_type"],
            fields["client_id"],
            fields["client_secret"],
            fields["audience"],
        )

    def _grant_checked(
        self, grant_type: str, client_id: str, secret: str, audience: str
    ) -> Grant:
        if grant_type != GRANT_TYPE:
            if grant_type in _KNOWN_GRANTS:
                message = f"Grant type '{grant_type}' not allowed for the client."
                return Grant(oauth_error(403, "unauthorized_client", message))
            message = f"Unsupported grant type: {grant_type}"
            return Grant(oauth_error(400, "unsupported_grant_type", message))
        with self._lock:
            client = self._clients.get(client_id)
        # Compare even for unknown clients so timing does not reveal which IDs exist.
        expected = client.secret if client else secrets.token_urlsafe(16)
        if not hmac.compare_digest(expected.encode(), secret.encode()) or not client:
            return Grant(oauth_error(401, "access_denied", "Unauthorized"))
        if audience != self.audience:
            message = f"Service not enabled within domain: {audience}"
            return Grant(oauth_error(403, "access_denied", message))
        if not client.granted:
            message = (
                f'Client is not authorized to access "{audience}". You need to '
                "create a client-grant associated to this API."
            )
            return Grant(oauth_error(403, "access_denied", message))
        token = self.mint(client_id)
        payload = {
            "access_token": token,
            "expires_in": self._lifetime,
            "token_type": "Bearer",
        }
        # OAuth 2.0 requires token responses to forbid caching.
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        return Grant(Reply.json(200, payload, headers), token)

    def mint(
        self,
        client_id: str,
        *,
        audience: str | None = None,
        lifetime: int | None = None,
    ) -> str:
        """Sign a token for ``client_id`` without any request (for tests)."""
        issued_at = int(self._clock.now())
        token_id = secrets.token_hex(8)
        claims = {
            "iss": self.issuer,
            "sub": f"{client_id}@clients",
            "aud": audience if audience is not None else self.audience,
            "iat": issued_at,
            "exp": issued_at + (lifetime if lifetime is not None else self._lifetime),
            "azp": client_id,
            "gty": "client-credentials",
            # A unique ID keeps two tokens minted in the same second distinct,
            # so that one can be revoked without the other.
            "jti": token_id,
        }
        with self._lock:
            self._known_ids.append(token_id)
        return self._signer.encode(claims)

    def accepts(self, authorization: str | None) -> bool:
        """Tell whether an Authorization header carries a usable token."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        claims = self._signer.decode(token.strip())
        if claims is None:
            return False
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        exp = claims.get("exp")
        if self.audience not in audiences or not isinstance(exp, (int, float)):
            return False
        if exp <= self._clock.now():
            return False
        with self._lock:
            return claims.get("jti") not in self._revoked

    def revoke(self, token: str | None = None) -> int:
        """Revoke one token, or every token issued so far; return how many."""
        with self._lock:
            if token is None:
                fresh = set(self._known_ids) - self._revoked
                self._revoked.update(fresh)
                return len(fresh)
            claims = read_claims(token)
            token_id = claims.get("jti") if claims else None
            if not isinstance(token_id, str) or token_id in self._revoked:
                return 0
            self._revoked.add(token_id)
            return 1
