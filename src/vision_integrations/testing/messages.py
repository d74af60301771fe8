"""Define the plain request and reply values the emulator's routes exchange.

Keeping HTTP parsing (in ``server``) apart from route logic lets each route
be a function from a ``Request`` to a ``Reply``, with no socket in sight.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

API_VERSION = "3.0.0"
JSON_CONTENT_TYPE = "application/json"

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Request:
    """Hold one parsed HTTP request; header names are lower-cased."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """Return a header's value by case-insensitive name, or None."""
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Reply:
    """Hold one HTTP response: status, extra headers and the body bytes."""

    status: int
    body: bytes = b""
    headers: Headers = ()

    @classmethod
    def json(
        cls, status: int, payload: object, headers: Mapping[str, str] | None = None
    ) -> Reply:
        """Build a JSON reply, adding the content type."""
        extra = tuple((headers or {}).items())
        body = json.dumps(payload, separators=(",", ":")).encode()
        return cls(status, body, (("Content-Type", JSON_CONTENT_TYPE), *extra))


def oauth_error(status: int, error: str, description: str) -> Reply:
    """Build an error in the shape the Auth0 token endpoint uses."""
    return Reply.json(status, {"error": error, "error_description": description})


def vision_error(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> Reply:
    """Build an error in the shape the Vision API uses."""
    payload = {"response_code": status, "message": message, "api_version": API_VERSION}
    return Reply.json(status, payload, headers)


def vision_ok(status: int, message: str, result: object, **extra: object) -> Reply:
    """Build a successful Vision API reply carrying ``result``."""
    payload: dict[str, object] = {
        "response_code": status,
        "message": message,
        "api_version": API_VERSION,
        "result": result,
    }
    payload.update(extra)
    return Reply.json(status, payload)
