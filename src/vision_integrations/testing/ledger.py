"""Count what clients did to the emulator; the ground truth tests assert on."""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass
from typing import TypedDict


class ApiCallStats(TypedDict):
    """Hold API call counts split by outcome."""

    authorized: int
    rejected: int


class EmulatorStats(TypedDict):
    """Hold a snapshot of every counter, as ``GET /_emulator/stats`` returns."""

    token_requests: dict[str, int]
    token_requests_total: int
    api_calls: ApiCallStats
    issued_tokens: list[str]
    connections: int


@dataclass(frozen=True)
class TokenRequestRecord:
    """Describe one token request without its secret (for wire-format tests).

    ``client_id`` is "" when the body named none; ``fields`` are the JSON
    body's field names, sorted.
    """

    client_id: str
    content_type: str
    fields: tuple[str, ...]
    status: int


class Ledger:
    """Keep thread-safe counters of token requests, API calls and connections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token_requests: collections.Counter[str] = collections.Counter()
        self._token_log: list[TokenRequestRecord] = []
        self._api_calls = {True: 0, False: 0}
        self._issued: list[str] = []
        self._connections = 0

    def record_token_request(self, client_id: str) -> None:
        """Count one request to the token endpoint as it arrives."""
        with self._lock:
            self._token_requests[client_id] += 1

    def log_token_request(self, record: TokenRequestRecord) -> None:
        """Keep the description of a token request once it is answered."""
        with self._lock:
            self._token_log.append(record)

    def record_issued(self, token: str) -> None:
        """Remember a token the endpoint handed out."""
        with self._lock:
            self._issued.append(token)

    def record_api_call(self, *, authorized: bool) -> None:
        """Count one API request, accepted or rejected with 401."""
        with self._lock:
            self._api_calls[authorized] += 1

    def record_connection(self) -> None:
        """Count one TCP connection that carried a token or API request."""
        with self._lock:
            self._connections += 1

    def token_requests(self, client_id: str | None = None) -> int:
        """Return token requests for one client ID, or for all when None."""
        with self._lock:
            if client_id is None:
                return sum(self._token_requests.values())
            return self._token_requests[client_id]

    def token_request_log(self) -> list[TokenRequestRecord]:
        """Return every token request in arrival order."""
        with self._lock:
            return list(self._token_log)

    def api_calls(self, authorized: bool | None = None) -> int:
        """Return accepted (True), rejected (False) or all (None) API calls."""
        with self._lock:
            if authorized is None:
                return self._api_calls[True] + self._api_calls[False]
            return self._api_calls[authorized]

    def issued_tokens(self) -> list[str]:
        """Return the tokens handed out, oldest first."""
        with self._lock:
            return list(self._issued)

    def connections(self) -> int:
        """Return the number of connections that carried non-control requests."""
        with self._lock:
            return self._connections

    def snapshot(self) -> EmulatorStats:
        """Return every counter at one instant."""
        with self._lock:
            return {
                "token_requests": dict(self._token_requests),
                "token_requests_total": sum(self._token_requests.values()),
                "api_calls": {
                    "authorized": self._api_calls[True],
                    "rejected": self._api_calls[False],
                },
                "issued_tokens": list(self._issued),
                "connections": self._connections,
            }

    def reset(self) -> None:
        """Set every counter back to zero and forget the issued-token list."""
        with self._lock:
            self._token_requests.clear()
            self._token_log.clear()
            self._api_calls = {True: 0, False: 0}
            self._issued.clear()
            self._connections = 0
