"""Exceptions raised by vision-integrations.

Every exception the package raises on purpose derives from `VisionError`::

    VisionError
    ├── VisionConfigError        a setting is missing or wrong; raised before any
    │                            request is sent (also a `ValueError`)
    ├── VisionAuthError          the authorization server refused the grant
    │                            (wrong credentials, client not authorised, ...)
    ├── VisionTokenServiceError  the authorization server could not be used:
    │   │                        5xx, network errors, unreadable answers, after
    │   │                        the bounded retries
    │   └── VisionRateLimitError the authorization server answered 429
    └── VisionAPIError           the Vision API answered with an error status

The classes carry the facts as attributes, so callers can branch on them
without parsing messages. No message or attribute ever holds a client secret
or an access token.
"""

from __future__ import annotations

__all__ = [
    "VisionAPIError",
    "VisionAuthError",
    "VisionConfigError",
    "VisionError",
    "VisionRateLimitError",
    "VisionTokenServiceError",
]


class VisionError(Exception):
    """Base class of every error raised by vision-integrations."""


class VisionConfigError(VisionError, ValueError):
    """A setting is missing or invalid.

    `setting` names what to fix, in the vocabulary of the place it came from
    (a keyword argument, an environment variable or a connection field).
    """

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(message)
        self.setting = setting


class VisionAuthError(VisionError):
    """The authorization server refused to issue a token.

    Retrying will not help: the credentials, the audience or the client's
    grants must be fixed first.
    """

    def __init__(
        self,
        *,
        client_id: str,
        status_code: int,
        error: str | None,
        error_description: str | None,
    ) -> None:
        self.client_id = client_id
        self.status_code = status_code
        self.error = error
        self.error_description = error_description
        reason = error or "refused"
        if error_description:
            reason = f"{reason}: {error_description}"
        super().__init__(
            f"The authorization server refused a token for client ID "
            f"{client_id!r} (HTTP {status_code}, {reason}). Check the client ID, "
            f"client secret and audience."
        )


class VisionTokenServiceError(VisionError):
    """The authorization server could not be used, even after retries."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class VisionRateLimitError(VisionTokenServiceError):
    """The authorization server rate-limited token requests (HTTP 429).

    `retry_after` is the number of seconds the server asked to wait, when it
    said so and the wait did not fit in the retry budget.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, status_code=429)
        self.retry_after = retry_after


class VisionAPIError(VisionError):
    """The Vision API answered a request with an error status.

    `response_code`, `message` and `api_version` mirror the fields of the
    API's error body when it had them.
    """

    def __init__(
        self,
        *,
        status_code: int,
        method: str,
        url: str,
        response_code: int | None = None,
        message: str | None = None,
        api_version: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.method = method
        self.url = url
        self.response_code = response_code
        self.message = message
        self.api_version = api_version
        detail = f": {message}" if message else ""
        super().__init__(
            f"Vision API {method} {url} failed with HTTP {status_code}{detail}"
        )
