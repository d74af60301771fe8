"""Keep the sealed token in the saved credentials block itself.

Every flow run that loads the block, in any process or on any worker, can
read the token another run stored there. The token travels in one hidden
secret field of the block document, sealed with a key only holders of the
client secret can derive. Writing it touches that field alone, through a
partial update, so a stale copy of the block never puts back values that a
person changed meanwhile.
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager
from uuid import UUID

from vision_integrations.caches import SealedStoreCache
from vision_integrations.prefect.lock import GlobalConcurrencyLock
from vision_integrations.settings import VisionSettings

__all__ = ["TOKEN_FIELD", "BlockStateStore"]

logger = logging.getLogger(__name__)

# The block field that holds the sealed token. Renaming it orphans every
# token already stored, which costs one fetch per credential, nothing more.
TOKEN_FIELD = "sealed_token"  # noqa: S105 (a field name, not a secret)

_warned_documents: set[UUID] = set()
_warned_guard = threading.Lock()


class BlockStateStore(SealedStoreCache):
    """The sealed token field of one saved block document.

    Reads always go to the API, never to the copy of the block in hand, so
    a run started before another run stored a token still finds it. When
    the API cannot be reached the store reads as empty and writes nothing,
    with one warning per block document and process.
    """

    def __init__(
        self,
        settings: VisionSettings,
        block_document_id: UUID,
        *,
        lock: GlobalConcurrencyLock | None = None,
    ) -> None:
        super().__init__(settings)
        self.block_document_id = block_document_id
        self._lock = lock

    @property
    def store_name(self) -> str:
        return f"Prefect block document {self.block_document_id}"

    def read_record(self) -> str | None:
        from prefect.client.orchestration import get_client

        try:
            with get_client(sync_client=True) as client:
                document = client.read_block_document(
                    self.block_document_id, include_secrets=True
                )
        except Exception as exc:
            self._warn_once("read", exc)
            return None
        record = document.data.get(TOKEN_FIELD)
        return record if isinstance(record, str) and record else None

    def write_record(self, record: str) -> None:
        self._update(record)

    def clear_record(self) -> None:
        self._update(None)

    def lock(self) -> AbstractContextManager[object]:
        if self._lock is None:
            return super().lock()
        return self._lock.hold()

    def _update(self, record: str | None) -> None:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.actions import BlockDocumentUpdate

        # `merge_existing_data` keeps every other field as the server has it
        # now, whatever this process loaded earlier.
        change = BlockDocumentUpdate(
            data={TOKEN_FIELD: record}, merge_existing_data=True
        )
        try:
            with get_client(sync_client=True) as client:
                client.update_block_document(self.block_document_id, change)
        except Exception as exc:
            self._warn_once("write", exc)

    def _warn_once(self, action: str, exc: Exception) -> None:
        with _warned_guard:
            first = self.block_document_id not in _warned_documents
            _warned_documents.add(self.block_document_id)
        status = getattr(getattr(exc, "response", None), "status_code", None)
        reason = type(exc).__name__ if status is None else f"HTTP {status}"
        logger.log(
            logging.WARNING if first else logging.DEBUG,
            "Could not %s the token kept in %s (%s); using local caches only",
            action,
            self.store_name,
            reason,
        )
