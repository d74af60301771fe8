"""Token-reusing access to the Truepic Vision API.

`VisionSession` is the entry point for plain Python; the `airflow` and
`prefect` subpackages adapt the same core to those hosts, and `testing`
holds a local emulator of the service.
"""

from __future__ import annotations

__version__ = "0.1.0"

from vision_integrations.caches import (
    MemoryTokenCache,
    SealedStoreCache,
    TokenCache,
    default_caches,
)
from vision_integrations.errors import (
    VisionAPIError,
    VisionAuthError,
    VisionConfigError,
    VisionError,
    VisionRateLimitError,
    VisionTokenServiceError,
)
from vision_integrations.file_cache import FileTokenCache
from vision_integrations.manager import TokenManager
from vision_integrations.responses import raise_for_api_error
from vision_integrations.sealing import TokenSealer
from vision_integrations.secret import Secret
from vision_integrations.session import VisionSession
from vision_integrations.settings import TokenIdentity, VisionSettings
from vision_integrations.tokens import (
    REFRESH_MARGIN,
    AccessToken,
    TokenState,
    utc_now,
)

__all__ = [
    "REFRESH_MARGIN",
    "AccessToken",
    "FileTokenCache",
    "MemoryTokenCache",
    "SealedStoreCache",
    "Secret",
    "TokenCache",
    "TokenIdentity",
    "TokenManager",
    "TokenSealer",
    "TokenState",
    "VisionAPIError",
    "VisionAuthError",
    "VisionConfigError",
    "VisionError",
    "VisionRateLimitError",
    "VisionSession",
    "VisionSettings",
    "VisionTokenServiceError",
    "__version__",
    "default_caches",
    "raise_for_api_error",
    "utc_now",
]
