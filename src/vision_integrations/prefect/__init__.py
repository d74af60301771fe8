"""Prefect 3 collection for the Truepic Vision API.

`VisionCredentials` is the block data engineers fill in from the Prefect UI;
its sessions share one access token across tasks, flow runs and workers by
keeping it, sealed, in the saved block. `call_vision_api` and
`collect_vision_items` are ready-made tasks. The `prefect.collections` entry
point names this module, so a Prefect server in the same environment
registers the block type at start; elsewhere run
`prefect block register -m vision_integrations.prefect`.
"""

from vision_integrations.prefect.block_state import BlockStateStore
from vision_integrations.prefect.credentials import VisionCredentials
from vision_integrations.prefect.lock import GlobalConcurrencyLock
from vision_integrations.prefect.tasks import call_vision_api, collect_vision_items

__all__ = [
    "BlockStateStore",
    "GlobalConcurrencyLock",
    "VisionCredentials",
    "call_vision_api",
    "collect_vision_items",
]
