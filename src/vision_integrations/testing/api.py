"""Answer the emulated Vision API v3 routes behind a bearer-token check."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qsl

from vision_integrations.testing.inspections import InspectionStore, QueryError
from vision_integrations.testing.ledger import Ledger
from vision_integrations.testing.messages import (
    Reply,
    Request,
    vision_error,
    vision_ok,
)

API_PREFIX = "/v3"
_INSPECTIONS = "/inspections"


class VisionApi:
    """Route ``/v3`` requests; every one must carry an acceptable bearer token."""

    def __init__(
        self,
        store: InspectionStore,
        accepts: Callable[[str | None], bool],
        ledger: Ledger,
    ) -> None:
        self._store = store
        self._accepts = accepts
        self._ledger = ledger

    def handle(self, request: Request) -> Reply:
        """Check the token, count the call, then answer the route."""
        authorized = self._accepts(request.header("authorization"))
        self._ledger.record_api_call(authorized=authorized)
        if not authorized:
            return vision_error(401, "Unauthorized", {"WWW-Authenticate": "Bearer"})

        path = request.path[len(API_PREFIX) :].rstrip("/")
        if path in ("", "/online"):
            return self._status(request)
        if path == _INSPECTIONS:
            if request.method == "GET":
                return self._list(request)
            if request.method == "POST":
                return self._create(request)
            return vision_error(405, "Method Not Allowed")
        if path.startswith(_INSPECTIONS + "/") and path.count("/") == 2:
            if request.method != "GET":
                return vision_error(405, "Method Not Allowed")
            return self._get(path.rsplit("/", 1)[1])
        return vision_error(404, "Not Found")

    def _status(self, request: Request) -> Reply:
        if request.method != "GET":
            return vision_error(405, "Method Not Allowed")
        return vision_ok(200, "Vision API is online", {"status": "online"})

    def _list(self, request: Request) -> Reply:
        pairs = parse_qsl(request.query, keep_blank_values=True)
        try:
            page = self._store.query(pairs)
        except QueryError as exc:
            return vision_error(400, str(exc))
        result = page.pop("result")
        return vision_ok(200, "Inspections retrieved successfully", result, **page)

    def _get(self, raw_id: str) -> Reply:
        item = self._store.get(int(raw_id)) if raw_id.isdigit() else None
        if item is None:
            return vision_error(404, "Inspection not found")
        return vision_ok(200, "Inspection retrieved successfully", item)

    def _create(self, request: Request) -> Reply:
        try:
            fields = json.loads(request.body or b"null")
        except ValueError:
            return vision_error(400, "Request body must be JSON")
        if not isinstance(fields, dict):
            return vision_error(400, "Request body must be a JSON object")
        status = fields.get("status", 0)
        if isinstance(status, bool) or not isinstance(status, int):
            return vision_error(400, "status must be an integer")
        item = self._store.create(fields)
        return vision_ok(201, "Inspection created successfully", item)
