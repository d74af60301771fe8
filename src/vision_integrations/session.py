"""A `requests.Session` that talks to the Vision API with a managed token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests

from vision_integrations import __version__
from vision_integrations.auth import VisionBearerAuth
from vision_integrations.manager import TokenManager
from vision_integrations.pagination import MAX_PAGE_SIZE, QueryParams, iter_items
from vision_integrations.settings import VisionSettings

__all__ = ["VisionSession"]


class VisionSession(requests.Session):
    """An authenticated, pooled session for the Vision API.

    Relative paths resolve under the API base URL, so `"inspections"` and
    `"/inspections"` both mean `<api_base_url>/inspections`. Every request to
    the API carries a fresh bearer token and a timeout unless one is given.

    >>> session = VisionSession.from_env()
    >>> session.get("inspections", params={"page[size]": 10}).json()
    """

    def __init__(
        self,
        settings: VisionSettings | None = None,
        *,
        manager: TokenManager | None = None,
    ) -> None:
        super().__init__()
        if manager is None:
            manager = TokenManager(settings or VisionSettings.from_env())
        self.manager = manager
        self.settings = manager.settings
        self.base_url = self.settings.api_base_url
        self.auth = VisionBearerAuth(manager, self.base_url)
        self.headers["Accept"] = "application/json"
        self.headers["User-Agent"] = (
            f"vision-integrations/{__version__} {requests.utils.default_user_agent()}"
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> VisionSession:
        """Build a session from the `VISION_*` environment variables."""
        return cls(VisionSettings.from_env(**overrides))

    def resolve_url(self, url: str | bytes) -> str:
        """Return `url` made absolute under the API base URL if it is relative."""
        text = url.decode("utf-8") if isinstance(url, bytes) else str(url)
        if urlsplit(text).scheme:
            return text
        return f"{self.base_url}/{text.lstrip('/')}"

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        request.url = self.resolve_url(request.url)
        return super().prepare_request(request)

    def send(
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.settings.timeout
        return super().send(request, **kwargs)

    def iter_items(
        self,
        path: str,
        params: QueryParams = None,
        *,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield the items of a list endpoint across all of its pages."""
        return iter_items(self, path, params, page_size=page_size, max_items=max_items)

    def close(self) -> None:
        super().close()
        self.manager.close()

    def __repr__(self) -> str:
        return (
            f"VisionSession(base_url={self.base_url!r}, "
            f"client_id={self.settings.client_id!r})"
        )
