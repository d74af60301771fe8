"""Describe scripted token-endpoint faults and queue them in order.

A ``TokenFault`` is what the token endpoint answers instead of processing a
request: an error status, a rate limit, an HTML page, a broken body, or a
delay before answering. Faults are consumed one per request, first in first
out; once the queue is empty the endpoint behaves normally again.
"""

from __future__ import annotations

import collections
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from vision_integrations.testing.messages import JSON_CONTENT_TYPE, Headers, Reply

_HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} Error</title></head>"
    "<body><h1>{status} Error</h1><p>The server could not handle the request."
    "</p></body></html>"
)


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


@dataclass(frozen=True)
class TokenFault:
    """Hold one scripted answer of the token endpoint.

    ``status_code`` None means "process the request normally" (after
    ``delay_seconds``), which is how a pure delay is expressed. Build faults
    with the class methods rather than by hand.
    """

    status_code: int | None = None
    payload: bytes = b""
    headers: Headers = ()
    delay_seconds: float = 0.0

    @classmethod
    def status(
        cls,
        status_code: int,
        body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> TokenFault:
        """Answer ``status_code``; a str/bytes body is sent as text, else as JSON."""
        extra = dict(headers or {})
        if body is None:
            body = {"error": "server_error", "error_description": "Emulated fault"}
        if isinstance(body, (str, bytes)):
            payload = body.encode() if isinstance(body, str) else body
            extra.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            payload = _json_bytes(body)
            extra.setdefault("Content-Type", JSON_CONTENT_TYPE)
        return cls(status_code, payload, tuple(extra.items()))

    @classmethod
    def body(cls, status_code: int, json_obj: object) -> TokenFault:
        """Answer ``status_code`` with any JSON value (e.g. a broken token reply)."""
        headers = (("Content-Type", JSON_CONTENT_TYPE),)
        return cls(status_code, _json_bytes(json_obj), headers)

    @classmethod
    def rate_limited(cls, retry_after: int = 2) -> TokenFault:
        """Answer 429 as Auth0 does when a client's token quota is used up."""
        body = {
            "error": "too_many_requests",
            "error_description": "Client quota exceeded",
        }
        return cls.status(429, body, {"Retry-After": str(retry_after)})

    @classmethod
    def rate_limited_until(cls, reset_unix: int, limit: int = 30) -> TokenFault:
        """Answer 429 with the X-RateLimit-* headers of Auth0's global limit."""
        body = {
            "error": "too_many_requests",
            "error_description": "Global limit has been reached",
        }
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(reset_unix)),
        }
        return cls.status(429, body, headers)

    @classmethod
    def html(cls, status: int = 502) -> TokenFault:
        """Answer an HTML error page, as a proxy in front of the service might."""
        page = _HTML_PAGE.format(status=status).encode()
        return cls(status, page, (("Content-Type", "text/html; charset=utf-8"),))

    @classmethod
    def malformed(cls) -> TokenFault:
        """Answer 200 with a body that claims to be JSON but is cut short."""
        headers = (("Content-Type", JSON_CONTENT_TYPE),)
        return cls(200, b'{"access_token": "eyJ', headers)

    @classmethod
    def delay(cls, seconds: float, then: TokenFault | None = None) -> TokenFault:
        """Wait ``seconds``, then answer normally or with the fault ``then``."""
        if seconds < 0:
            raise ValueError("a delay cannot be negative")
        inner = then if then is not None else cls()
        return cls(inner.status_code, inner.payload, inner.headers, float(seconds))

    def reply(self) -> Reply | None:
        """Return the scripted reply, or None to process the request normally."""
        if self.status_code is None:
            return None
        return Reply(self.status_code, self.payload, self.headers)

    def to_spec(self) -> dict[str, object]:
        """Return a JSON-ready description, as ``POST /_emulator/faults`` takes."""
        return {
            "status_code": self.status_code,
            "payload": self.payload.decode("utf-8", errors="replace"),
            "headers": dict(self.headers),
            "delay_seconds": self.delay_seconds,
        }

    @classmethod
    def from_spec(cls, spec: object) -> TokenFault:
        """Build a fault from ``to_spec`` output; raise ValueError if malformed."""
        if not isinstance(spec, dict):
            raise ValueError("a fault spec must be a JSON object")
        unknown = set(spec) - {"status_code", "payload", "headers", "delay_seconds"}
        if unknown:
            raise ValueError(f"unknown fault spec fields: {sorted(unknown)}")
        status = spec.get("status_code")
        payload = spec.get("payload", "")
        headers = spec.get("headers", {})
        delay = spec.get("delay_seconds", 0)
        if status is not None and (
            not isinstance(status, int) or not 100 <= status <= 599
        ):
            raise ValueError("status_code must be null or an HTTP status (100-599)")
        if not isinstance(payload, str):
            raise ValueError("payload must be a string")
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise ValueError("headers must be an object of strings")
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
            raise ValueError("delay_seconds must be a non-negative number")
        return cls(status, payload.encode(), tuple(headers.items()), float(delay))


class FaultQueue:
    """Queue scripted faults, thread-safe, first in first out."""

    def __init__(self) -> None:
        self._faults: collections.deque[TokenFault] = collections.deque()
        self._lock = threading.Lock()

    def push(self, *faults: TokenFault) -> None:
        """Append faults to the end of the queue."""
        with self._lock:
            self._faults.extend(faults)

    def pop(self) -> TokenFault | None:
        """Take the next fault, or None when none is pending."""
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)
