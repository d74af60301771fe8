"""Turn the Vision API's error answers into `VisionAPIError`."""

from __future__ import annotations

import requests

from vision_integrations.errors import VisionAPIError

__all__ = ["raise_for_api_error"]

_MAX_MESSAGE = 500


def raise_for_api_error(response: requests.Response) -> None:
    """Raise `VisionAPIError` with the API's error fields if the call failed."""
    if response.ok:
        return
    response_code = message = api_version = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = body.get("response_code")
        response_code = code if isinstance(code, int) else None
        text = body.get("message")
        message = text[:_MAX_MESSAGE] if isinstance(text, str) else None
        version = body.get("api_version")
        api_version = version if isinstance(version, str) else None
    if message is None:
        message = response.reason or None
    raise VisionAPIError(
        status_code=response.status_code,
        method=response.request.method or "GET",
        url=response.url,
        response_code=response_code,
        message=message,
        api_version=api_version,
    )
