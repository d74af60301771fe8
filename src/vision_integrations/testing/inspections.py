"""Hold the emulator's inspections and answer list queries over them.

The seed is deterministic (same count, same records) so tests can assert on
exact pages. Query parameters follow Vision's conventions:
``page[number]``/``page[size]``, ``filter[field][op]=value`` and
``sort[field]=asc|desc``.
"""

from __future__ import annotations

import math
import operator
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
DEFAULT_SEED_COUNT = 57
STATUS_COUNT = 5  # seeded statuses cycle through 0..4

_SEED_START = datetime(2026, 1, 1, tzinfo=timezone.utc)
_FILTER_KEY = re.compile(r"^filter\[(\w+)\]\[(=|!=|>|>=|<|<=|in)\](\[\])?$")
_SORT_KEY = re.compile(r"^sort\[(\w+)\]$")
_INT_FIELDS = frozenset({"id", "status"})
_TEXT_FIELDS = frozenset({"created_at", "updated_at"})
_SORTABLE = _INT_FIELDS | _TEXT_FIELDS

Inspection = dict[str, Any]


class QueryError(ValueError):
    """Report a list query the API would refuse with 400."""


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _seed(index: int) -> Inspection:
    created = _iso(_SEED_START + timedelta(hours=index))
    return {
        "id": index,
        "status": index % STATUS_COUNT,
        "title": f"Inspection {index}",
        "reference_id": f"EMU-{index:04d}",
        "created_at": created,
        "updated_at": created,
    }


def _page_param(params: Mapping[str, list[str]], name: str, default: int) -> int:
    values = params.get(f"page[{name}]")
    if not values:
        return default
    try:
        return int(values[-1])
    except ValueError:
        raise QueryError(f"page[{name}] must be an integer") from None


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op == ">":
        return bool(left > right)
    if op == ">=":
        return bool(left >= right)
    if op == "<":
        return bool(left < right)
    return bool(left <= right)


def _coerce(field: str, raw: str) -> int | str:
    if field not in _INT_FIELDS:
        return raw
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"filter[{field}] takes integers, not {raw!r}") from None


def _filter_predicate(
    field: str, op: str, values: list[str]
) -> Callable[[Inspection], bool]:
    if field == "q":
        if op != "=":
            raise QueryError("filter[q] only supports the = operator")
        needle = values[-1].lower()
        return lambda item: needle in str(item.get("title", "")).lower()
    if field not in _SORTABLE:
        raise QueryError(f"Cannot filter inspections by {field!r}")
    if op == "in":
        # Accept both repeated filter[f][in][]=v and one comma-separated value.
        wanted = {
            _coerce(field, part)
            for value in values
            for part in value.split(",")
            if part != ""
        }
        return lambda item: item.get(field) in wanted
    target = _coerce(field, values[-1])
    return lambda item: (
        item.get(field) is not None and _compare(op, item[field], target)
    )


class InspectionStore:
    """Keep inspections in memory, thread-safe, and page through them."""

    def __init__(self, count: int, clock: Callable[[], float]) -> None:
        if count < 0:
            raise ValueError("the number of seeded inspections cannot be negative")
        self._items: dict[int, Inspection] = {i: _seed(i) for i in range(1, count + 1)}
        self._next_id = count + 1
        self._clock = clock
        self._lock = threading.Lock()

    def get(self, inspection_id: int) -> Inspection | None:
        """Return a copy of one inspection, or None when it does not exist."""
        with self._lock:
            item = self._items.get(inspection_id)
            return dict(item) if item else None

    def create(self, fields: Mapping[str, Any]) -> Inspection:
        """Store a new inspection from client fields; the server sets ids and times."""
        now = _iso(datetime.fromtimestamp(self._clock(), tz=timezone.utc))
        with self._lock:
            item: Inspection = {"status": 0, **fields}
            item.update(id=self._next_id, created_at=now, updated_at=now)
            self._items[self._next_id] = item
            self._next_id += 1
            return dict(item)

    def query(self, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """Return one page of the list for query pairs; raise QueryError if bad."""
        params: dict[str, list[str]] = {}
        for key, value in pairs:
            params.setdefault(key, []).append(value)

        number = _page_param(params, "number", 1)
        size = _page_param(params, "size", DEFAULT_PAGE_SIZE)
        if number < 1:
            raise QueryError("page[number] starts at 1")
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise QueryError(f"page[size] must be between 1 and {MAX_PAGE_SIZE}")

        predicates = []
        sort_keys: list[tuple[str, bool]] = []
        for key, values in params.items():
            if match := _FILTER_KEY.match(key):
                predicates.append(_filter_predicate(match[1], match[2], values))
            elif match := _SORT_KEY.match(key):
                direction = values[-1].lower()
                if match[1] not in _SORTABLE or direction not in ("asc", "desc"):
                    raise QueryError(f"Cannot sort by {key}={values[-1]}")
                sort_keys.append((match[1], direction == "desc"))

        with self._lock:
            items = [dict(item) for item in self._items.values()]
        matching = [item for item in items if all(p(item) for p in predicates)]
        matching.sort(key=lambda item: item["id"])
        # Apply the least significant key first; sorts are stable.
        for field, descending in reversed(sort_keys):
            matching.sort(key=operator.itemgetter(field), reverse=descending)

        start = (number - 1) * size
        page = matching[start : start + size]
        return {
            "result": page,
            "pageCount": math.ceil(len(matching) / size),
            "total": len(page),
            "totalResults": len(matching),
        }
