"""Prefect tasks that call the Vision API with a credentials block.

The tasks return the API's data and nothing else: the token stays inside the
session, and the credentials block reaches the task as an object whose
secrets Prefect masks wherever it records parameters. Results are not cached
by their inputs, because an API call is not a pure function of them (and a
POST must not be skipped on a cache hit).
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.logging import get_run_logger

from vision_integrations.errors import VisionConfigError
from vision_integrations.pagination import MAX_PAGE_SIZE
from vision_integrations.prefect.credentials import VisionCredentials
from vision_integrations.responses import raise_for_api_error

__all__ = ["call_vision_api", "collect_vision_items"]


@task(name="call-vision-api", cache_policy=NO_CACHE)
def call_vision_api(
    credentials: VisionCredentials,
    endpoint: str,
    method: str = "GET",
    params: dict[str, Any] | None = None,
    json: Any = None,
) -> Any:
    """Send one request to the Vision API and return the decoded JSON body.

    `endpoint` is relative to the API base URL, such as `"inspections"` or
    `"inspections/42"`. An error answer raises `VisionAPIError`. A body that
    is empty (such as a 204) gives `None`.
    """
    logger = get_run_logger()
    verb = method.upper()
    with credentials.get_session() as session:
        response = session.request(verb, endpoint, params=params, json=json)
        raise_for_api_error(response)
    logger.info("Vision API %s %s answered %s", verb, endpoint, response.status_code)
    if not response.content:
        return None
    return response.json()


@task(name="collect-vision-items", cache_policy=NO_CACHE)
def collect_vision_items(
    credentials: VisionCredentials,
    endpoint: str,
    params: dict[str, Any] | None = None,
    page_size: int = MAX_PAGE_SIZE,
    max_items: int | None = None,
) -> list[dict[str, Any]]:
    """Page through a Vision list endpoint and return its items.

    `params` carries filters and sorting, such as
    `{"sort[created_at]": "desc"}`; the task sets the page parameters
    itself (at most 100 items a page). Stop after `max_items` items when it
    is given. A bad `page_size` or `params` raises `VisionConfigError`.
    """
    if max_items is not None and max_items < 0:
        raise VisionConfigError(
            "max_items", f"max_items must be zero or more, got {max_items}."
        )

    logger = get_run_logger()
    with credentials.get_session() as session:
        items = list(
            session.iter_items(
                endpoint, params, page_size=page_size, max_items=max_items
            )
        )
    logger.info("Collected %s items from Vision API %s", len(items), endpoint)
    return items
