"""Share a sealed token across DAG runs and DAGs through an Airflow Variable.

Variables are readable and writable from any task of any DAG, stored
encrypted in the metadata database, and the UI and REST API show `***` for
them because their name contains "token". The value is a sealed record in any
case: whoever reads it without the client secret learns nothing usable.

Outside a task there is no channel to the API server for Variables; the store
is then empty and ignores writes, and the hook relies on its local caches.
"""

from __future__ import annotations

from vision_integrations.airflow._names import store_key
from vision_integrations.airflow._runtime import current_task_instance
from vision_integrations.caches import SealedStoreCache
from vision_integrations.settings import VisionSettings

__all__ = ["VariableTokenStore"]

_DESCRIPTION = (
    "Sealed Truepic Vision access token kept by vision-integrations for reuse "
    "across DAG runs. Unusable without the connection's client secret; safe "
    "to delete (a new token is then requested)."
)


class VariableTokenStore(SealedStoreCache):
    """Keep one sealed token per identity in an Airflow Variable."""

    def __init__(self, settings: VisionSettings) -> None:
        super().__init__(settings)
        self.key = store_key(settings)

    @property
    def store_name(self) -> str:
        return "Airflow Variable"

    def read_record(self) -> str | None:
        """Return the sealed record, or `None` when there is none to read."""
        if current_task_instance() is None:
            return None
        from airflow.sdk import Variable

        value = Variable.get(self.key, default=None)
        return value if isinstance(value, str) else None

    def write_record(self, record: str) -> None:
        """Replace the Variable's value with a sealed record."""
        if current_task_instance() is None:
            return
        from airflow.sdk import Variable

        Variable.set(self.key, record, description=_DESCRIPTION)

    def clear_record(self) -> None:
        """Delete the Variable."""
        if current_task_instance() is None:
            return
        from airflow.sdk import Variable

        Variable.delete(self.key)
