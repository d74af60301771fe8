"""Answer the ``/_emulator/*`` control routes, which drive an emulator over HTTP.

They let tests running in another process or virtual environment read the
counters and script faults. They need no token: the emulator only listens on
loopback and holds nothing but made-up test credentials.
"""

from __future__ import annotations

import json
from typing import Protocol

from vision_integrations.testing.faults import TokenFault
from vision_integrations.testing.ledger import EmulatorStats
from vision_integrations.testing.messages import Reply, Request


class Controllable(Protocol):
    """Name what the control routes need from an emulator."""

    def stats(self) -> EmulatorStats: ...

    def revoke(self, token: str | None = None) -> int: ...

    def script_token_responses(self, *faults: TokenFault) -> None: ...

    def advance_clock(self, seconds: float) -> float: ...

    def reset_counters(self) -> None: ...

    def add_client(
        self, client_id: str, secret: str, *, granted: bool = True
    ) -> None: ...


class _BadInputError(ValueError):
    pass


def _error(status: int, message: str) -> Reply:
    return Reply.json(status, {"error": message})


def _json_body(request: Request) -> object:
    if not request.body.strip():
        return None
    try:
        return json.loads(request.body)
    except ValueError:
        raise _BadInputError("body must be JSON") from None


def _object_body(request: Request) -> dict[str, object]:
    body = _json_body(request)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise _BadInputError("body must be a JSON object")
    return body


class ControlRoutes:
    """Route control requests to an emulator's own methods."""

    def __init__(self, emulator: Controllable) -> None:
        self._emulator = emulator

    def handle(self, request: Request, name: str) -> Reply:
        """Answer the control route ``name`` (the path after ``/_emulator/``)."""
        method = "GET" if name == "stats" else "POST"
        handler = {
            "stats": self._stats,
            "revoke": self._revoke,
            "faults": self._faults,
            "clock": self._clock,
            "reset": self._reset,
            "clients": self._clients,
        }.get(name)
        if handler is None:
            return _error(404, f"no control route {name!r}")
        if request.method != method:
            return _error(405, f"use {method} for /_emulator/{name}")
        try:
            return handler(request)
        except (_BadInputError, ValueError) as exc:
            return _error(400, str(exc))

    def _stats(self, request: Request) -> Reply:
        return Reply.json(200, self._emulator.stats())

    def _revoke(self, request: Request) -> Reply:
        token = _object_body(request).get("token")
        if token is not None and not isinstance(token, str):
            raise _BadInputError("token must be a string")
        return Reply.json(200, {"revoked": self._emulator.revoke(token)})

    def _faults(self, request: Request) -> Reply:
        specs = _json_body(request)
        if not isinstance(specs, list):
            raise _BadInputError("body must be a JSON list of fault specs")
        faults = [TokenFault.from_spec(spec) for spec in specs]
        self._emulator.script_token_responses(*faults)
        return Reply.json(200, {"queued": len(faults)})

    def _clock(self, request: Request) -> Reply:
        seconds = _object_body(request).get("advance")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise _BadInputError("advance must be a number of seconds")
        return Reply.json(200, {"now": self._emulator.advance_clock(seconds)})

    def _reset(self, request: Request) -> Reply:
        self._emulator.reset_counters()
        return Reply.json(200, {"reset": True})

    def _clients(self, request: Request) -> Reply:
        body = _object_body(request)
        client_id, secret = body.get("client_id"), body.get("client_secret")
        granted = body.get("granted", True)
        if not isinstance(client_id, str) or not isinstance(secret, str):
            raise _BadInputError("client_id and client_secret must be strings")
        if not isinstance(granted, bool):
            raise _BadInputError("granted must be true or false")
        self._emulator.add_client(client_id, secret, granted=granted)
        return Reply.json(200, {"client_id": client_id})
