"""Token-reusing access to the Truepic Vision API.

`VisionSession` is the entry point for plain Python; the `airflow` and
`prefect` subpackages adapt the same core to those hosts, and `testing`
holds a local emulator of the service.

The names below load on first use: Airflow imports this package's provider
description in every process it starts, and that must not pay for `requests`
or `cryptography`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
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

_HOMES = {
    "MemoryTokenCache": "caches",
    "SealedStoreCache": "caches",
    "TokenCache": "caches",
    "default_caches": "caches",
    "VisionAPIError": "errors",
    "VisionAuthError": "errors",
    "VisionConfigError": "errors",
    "VisionError": "errors",
    "VisionRateLimitError": "errors",
    "VisionTokenServiceError": "errors",
    "FileTokenCache": "file_cache",
    "TokenManager": "manager",
    "raise_for_api_error": "responses",
    "TokenSealer": "sealing",
    "Secret": "secret",
    "VisionSession": "session",
    "TokenIdentity": "settings",
    "VisionSettings": "settings",
    "REFRESH_MARGIN": "tokens",
    "AccessToken": "tokens",
    "TokenState": "tokens",
    "utc_now": "tokens",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
