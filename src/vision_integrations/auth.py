"""Bearer authentication for `requests`, backed by a `TokenManager`."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase
from requests.utils import rewind_body

from vision_integrations.manager import TokenManager
from vision_integrations.tokens import AccessToken

__all__ = ["VisionBearerAuth"]

logger = logging.getLogger(__name__)

# Marks a request that already went through one refresh, so a token the API
# keeps refusing ends in a 401 for the caller, not in a loop.
_RETRIED = "_vision_token_retried"


class VisionBearerAuth(AuthBase):
    """Attach a fresh bearer token to every request sent to the API origin.

    The token is checked (and refreshed when needed) as each request is
    prepared, so long tasks never send one past its margin. A 401 from the
    API invalidates exactly that token, obtains another and replays the
    request once. Requests to any other origin get no token at all.
    """

    def __init__(self, manager: TokenManager, api_base_url: str) -> None:
        self.manager = manager
        self._origin = _origin(api_base_url)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if _origin(request.url or "") != self._origin:
            return request
        token = self.manager.get_token()
        request.headers["Authorization"] = token.authorization_header
        request.hooks["response"].append(partial(self._refresh_on_401, token))
        return request

    def _refresh_on_401(
        self, token: AccessToken, response: requests.Response, **send_options: Any
    ) -> requests.Response:
        request = response.request
        if (
            response.status_code != 401
            or getattr(request, _RETRIED, False)
            or _origin(response.url) != self._origin
        ):
            return response
        if not _replayable(request):
            # A streamed body that cannot be rewound was consumed by the first
            # send; replaying it would send nothing. Drop the refused token so
            # the caller's own retry gets a new one, and return the 401.
            self.manager.invalidate(token)
            return response

        logger.info(
            "The Vision API refused token %s (HTTP 401); obtaining another "
            "and retrying once",
            token.fingerprint,
        )
        self.manager.invalidate(token)
        fresh = self.manager.get_token()

        # Read the refused answer to the end so its connection returns to the
        # pool, then replay the same request with the new token.
        _ = response.content
        response.close()
        replay = request.copy()
        if getattr(request, "_body_position", None) is not None:
            rewind_body(replay)
        replay.headers["Authorization"] = fresh.authorization_header
        setattr(replay, _RETRIED, True)

        connection = response.connection
        retried: requests.Response = connection.send(replay, **send_options)
        retried.history.append(response)
        retried.request = replay
        return retried

    def __repr__(self) -> str:
        return f"VisionBearerAuth(origin={self._origin!r})"


def _replayable(request: requests.PreparedRequest) -> bool:
    body = request.body
    if body is None or isinstance(body, (bytes, str)):
        return True
    return getattr(request, "_body_position", None) is not None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"https": 443, "http": 80}.get(scheme)
    return (scheme, (parts.hostname or "").lower(), port)
