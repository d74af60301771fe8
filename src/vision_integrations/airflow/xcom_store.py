"""Share a sealed token among the tasks of one DAG run through XCom.

Whichever task first obtains a token in a run (from the Variable store or the
authorization server) pushes the sealed record under its own task instance;
every other task of the run reads the records of all the run's tasks and
takes the newest one that opens and is still fresh. XCom values are shown in
the clear in the UI and REST API, which is why only a sealed record, useless
without the client secret, is ever pushed.

Outside a task (the API server testing a connection, a plain script) there is
no DAG run, and the store is simply empty and ignores writes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from vision_integrations.airflow._names import store_key
from vision_integrations.airflow._runtime import current_task_instance
from vision_integrations.caches import SealedStoreCache
from vision_integrations.settings import VisionSettings
from vision_integrations.tokens import AccessToken

__all__ = ["XComTokenStore"]

logger = logging.getLogger(__name__)

# A task cannot delete another task's XCom, so a token found to be revoked is
# remembered here (by fingerprint, per identity) and skipped when reading.
_discarded_lock = threading.Lock()
_discarded: dict[str, set[str]] = {}


class XComTokenStore(SealedStoreCache):
    """Keep one sealed token per identity in the XComs of the current run."""

    def __init__(self, settings: VisionSettings) -> None:
        super().__init__(settings)
        self.key = store_key(settings)
        self._identity_key = settings.cache_key

    @property
    def store_name(self) -> str:
        return "Airflow XCom"

    def load(self) -> AccessToken | None:
        """Return the newest fresh token any task of this run has pushed."""
        try:
            records = self._run_records()
        except Exception as exc:
            self._warn("read from", exc)
            return None
        best: AccessToken | None = None
        skipped = self._discarded_fingerprints()
        for record in records:
            token = self._sealer.unseal(record)
            if token is None or token.fingerprint in skipped:
                continue
            if not token.is_fresh():
                continue
            if best is None or token.obtained_at > best.obtained_at:
                best = token
        return best

    def discard(self, token: AccessToken) -> None:
        """Stop handing out `token` from the XComs of this run."""
        with _discarded_lock:
            _discarded.setdefault(self._identity_key, set()).add(token.fingerprint)

    def read_record(self) -> str | None:
        """Return the record this task instance pushed, if any."""
        ti = current_task_instance()
        if ti is None:
            return None
        value = ti.xcom_pull(task_ids=ti.task_id, key=self.key)
        return value if isinstance(value, str) else None

    def write_record(self, record: str) -> None:
        """Push the sealed record under the running task instance."""
        ti = current_task_instance()
        if ti is None:
            return
        ti.xcom_push(key=self.key, value=record)

    def clear_record(self) -> None:
        """Do nothing: XComs belong to their task and are cleared with it."""

    def _discarded_fingerprints(self) -> frozenset[str]:
        with _discarded_lock:
            return frozenset(_discarded.get(self._identity_key, ()))

    def _run_records(self) -> list[str]:
        ti = current_task_instance()
        if ti is None:
            return []
        dag = getattr(ti.task, "dag", None)
        task_ids = list(getattr(dag, "task_ids", None) or [ti.task_id])
        # With a list of task IDs and no map_indexes, Airflow 3.1 to 3.3 return
        # a flat list of every map index's value (None where a task has none).
        values = ti.xcom_pull(task_ids=task_ids, key=self.key)
        return [value for value in _as_list(values) if isinstance(value, str)]


def _as_list(values: Any) -> Iterable[Any]:
    if values is None:
        return []
    if isinstance(values, (list, tuple)):
        return values
    return [values]
