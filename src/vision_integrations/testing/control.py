"""Drive a running emulator over HTTP from another process or environment.

``EmulatorControl`` mirrors the counting and scripting methods of
``VisionEmulator`` through the ``/_emulator/*`` routes. It uses only urllib,
so it works in any virtual environment that can import this package.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any, cast

from vision_integrations.testing.faults import TokenFault
from vision_integrations.testing.ledger import EmulatorStats

_TIMEOUT_SECONDS = 10


class EmulatorControl:
    """Read counters of, and script, an emulator at ``url``."""

    def __init__(self, url: str, *, timeout: float = _TIMEOUT_SECONDS) -> None:
        if not url.startswith("http://"):
            raise ValueError(f"url must be the emulator's http:// base URL: {url!r}")
        self.url = url.rstrip("/")
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"EmulatorControl({self.url!r})"

    def _call(self, method: str, name: str, body: object = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 (the URL is http:// only)
            f"{self.url}/_emulator/{name}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        # Only http:// URLs get here (checked on creation), never file: or ftp:.
        opened = urllib.request.urlopen(request, timeout=self._timeout)  # noqa: S310
        with opened as response:
            return json.load(response)

    def stats(self) -> EmulatorStats:
        """Return every counter at one instant."""
        return cast(EmulatorStats, self._call("GET", "stats"))

    def token_requests(self, client_id: str | None = None) -> int:
        """Return token requests for one client ID, or in total."""
        stats = self.stats()
        if client_id is None:
            return stats["token_requests_total"]
        return stats["token_requests"].get(client_id, 0)

    def api_calls(self, authorized: bool | None = None) -> int:
        """Return API calls: accepted (True), rejected (False), or all (None)."""
        calls = self.stats()["api_calls"]
        if authorized is None:
            return calls["authorized"] + calls["rejected"]
        return calls["authorized"] if authorized else calls["rejected"]

    def issued_tokens(self) -> list[str]:
        """Return the tokens the emulator issued, oldest first."""
        return self.stats()["issued_tokens"]

    def connections(self) -> int:
        """Return TCP connections that carried a token or API request."""
        return self.stats()["connections"]

    def revoke(self, token: str | None = None) -> int:
        """Revoke one token, or all issued so far; return how many."""
        body = {} if token is None else {"token": token}
        return int(self._call("POST", "revoke", body)["revoked"])

    def script_token_responses(self, *faults: TokenFault) -> None:
        """Queue faults for the token endpoint, one per request."""
        self._call("POST", "faults", [fault.to_spec() for fault in faults])

    def advance_clock(self, seconds: float) -> float:
        """Move the emulator's clock forward; return its new UNIX time."""
        return float(self._call("POST", "clock", {"advance": seconds})["now"])

    def reset_counters(self) -> None:
        """Zero the emulator's counters."""
        self._call("POST", "reset", {})

    def add_client(self, client_id: str, secret: str, *, granted: bool = True) -> None:
        """Register a client on the emulator."""
        body = {"client_id": client_id, "client_secret": secret, "granted": granted}
        self._call("POST", "clients", body)
