"""Operators for calling the Vision API and for provisioning a token.

`VisionOperator` makes one API call (or pages through a list) and returns the
response data, which Airflow pushes to XCom. `VisionTokenOperator` obtains
the token once, before a fan-out, so that mapped or parallel tasks all find
it in the run's XCom or the shared Variable instead of each asking the
authorization server. Neither ever returns or pushes a token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow.sdk import BaseOperator

from vision_integrations.airflow.hook import VisionHook
from vision_integrations.airflow.variable_store import VariableTokenStore
from vision_integrations.airflow.xcom_store import XComTokenStore
from vision_integrations.pagination import MAX_PAGE_SIZE

__all__ = ["VisionOperator", "VisionTokenOperator", "provision_vision_token"]

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


class VisionOperator(BaseOperator):
    """Call a Vision API endpoint and return the JSON it answers.

    :param endpoint: path under the API base URL, e.g. ``inspections`` or
        ``inspections/{{ params.inspection_id }}``.
    :param method: HTTP method.
    :param query: query parameters, e.g. ``{"sort[created_at]": "desc"}``.
    :param json: JSON body for ``POST`` / ``PUT`` / ``PATCH``.
    :param paginate: page through a list endpoint and return all its items
        as one list (``GET`` only); `max_items` bounds how many.
    :param page_size: items per page when paginating (the API allows 1-100).
    :param max_items: stop after this many items when paginating.
    :param vision_conn_id: the `vision` connection to use.

    API errors raise `VisionAPIError` with the status and the API's message.
    """

    template_fields: Sequence[str] = ("endpoint", "method", "query", "json")
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "query": "json",
        "json": "json",
    }
    ui_color = "#e8f1fb"

    def __init__(
        self,
        *,
        endpoint: str,
        method: str = "GET",
        query: dict[str, Any] | None = None,
        json: Any = None,
        paginate: bool = False,
        page_size: int = 100,
        max_items: int | None = None,
        vision_conn_id: str = VisionHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # Checked here, so a bad value fails when the DAG is parsed, not later.
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(
                f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}"
            )
        if max_items is not None and max_items < 0:
            raise ValueError(f"max_items must be zero or more, got {max_items}")
        self.endpoint = endpoint
        self.method = method
        self.query = query
        self.json = json
        self.paginate = paginate
        self.page_size = page_size
        self.max_items = max_items
        self.vision_conn_id = vision_conn_id

    def execute(self, context: Any) -> Any:
        """Make the call; the return value becomes the task's XCom."""
        method = str(self.method).upper()
        if method not in _METHODS:
            raise ValueError(
                f"method must be one of {', '.join(sorted(_METHODS))}, got {method!r}"
            )
        hook = VisionHook(vision_conn_id=self.vision_conn_id)

        if not self.paginate:
            self.log.info("Calling Vision API %s %s", method, self.endpoint)
            return hook.run(
                self.endpoint, method=method, params=self.query, json=self.json
            )

        if method != "GET":
            raise ValueError(f"paginate=True needs method GET, got {method!r}")
        items = list(
            hook.iter_items(
                self.endpoint,
                params=self.query,
                page_size=self.page_size,
                max_items=self.max_items,
            )
        )
        self.log.info("Read %d items from Vision API %s", len(items), self.endpoint)
        return items


class VisionTokenOperator(BaseOperator):
    """Obtain the connection's token once, ahead of the tasks that use it.

    Put it upstream of a fan-out (mapped tasks, many parallel tasks): it
    reuses a stored token when one is fresh, otherwise fetches one, and leaves
    it sealed in this run's XCom and in the shared Variable, so the
    downstream tasks start with a token instead of racing to fetch one each.
    It returns only facts about the token (client ID, fingerprint, expiry).
    """

    template_fields: Sequence[str] = ("vision_conn_id",)

    def __init__(
        self, *, vision_conn_id: str = VisionHook.default_conn_name, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.vision_conn_id = vision_conn_id

    def execute(self, context: Any) -> dict[str, str]:
        """Provision the token; return its non-secret description."""
        return provision_vision_token(self.vision_conn_id)


def provision_vision_token(
    vision_conn_id: str = VisionHook.default_conn_name,
) -> dict[str, str]:
    """Make sure this DAG run's stores hold a fresh token; describe it.

    Usable as the body of a TaskFlow task::

        @task
        def vision_token():
            return provision_vision_token("vision_default")

    Returns ``client_id``, ``fingerprint`` and ``expires_at`` (ISO 8601),
    never the token itself.
    """
    hook = VisionHook(vision_conn_id=vision_conn_id)
    token = hook.get_token()

    # A token found in memory or in the local file cache has not been written
    # to the Airflow stores; do it now so that tasks on other hosts find it.
    XComTokenStore(hook.settings).store(token)
    shared = VariableTokenStore(hook.settings)
    kept = shared.load()
    if kept is None or kept.expires_at < token.expires_at:
        shared.store(token)
    return {
        "client_id": hook.settings.client_id,
        "fingerprint": token.fingerprint,
        "expires_at": token.expires_at.isoformat(),
    }
