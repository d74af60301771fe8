"""Walk the pages of a Vision list endpoint."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeAlias

import requests

from vision_integrations.errors import VisionAPIError, VisionConfigError
from vision_integrations.responses import raise_for_api_error

__all__ = ["MAX_PAGE_SIZE", "QueryParams", "iter_items"]

MAX_PAGE_SIZE = 100

# Filters such as `filter[status][in][]` repeat a key, so a query may also
# be given as a sequence of pairs.
QueryParams: TypeAlias = Mapping[str, Any] | Sequence[tuple[str, Any]] | None


def iter_items(
    session: requests.Session,
    path: str,
    params: QueryParams = None,
    *,
    page_size: int = MAX_PAGE_SIZE,
    max_items: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield the items of every page of a list endpoint, in order.

    Pages are fetched lazily, `page_size` items at a time, until the last
    page (`pageCount`) or `max_items` items have been yielded.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise VisionConfigError(
            "page_size", f"page_size must be 1 to {MAX_PAGE_SIZE}, got {page_size}."
        )
    base = _pairs(params)
    yielded = 0
    page = 1
    while True:
        query = [*base, ("page[number]", page), ("page[size]", page_size)]
        response = session.get(path, params=query)
        raise_for_api_error(response)
        body = response.json()
        items = body.get("result") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise VisionAPIError(
                status_code=response.status_code,
                method="GET",
                url=response.url,
                message="the answer has no 'result' list; is this a list endpoint?",
            )
        for item in items:
            if max_items is not None and yielded >= max_items:
                return
            yield item
            yielded += 1

        page_count = body.get("pageCount")
        if not items or not isinstance(page_count, int) or page >= page_count:
            return
        page += 1


def _pairs(params: QueryParams) -> list[tuple[str, Any]]:
    if params is None:
        return []
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    for key, _ in pairs:
        if key in ("page[number]", "page[size]"):
            raise VisionConfigError(
                "params",
                f"{key} is set by the pager itself; pass page_size= instead.",
            )
    return pairs
