"""Names of the entries the Airflow stores keep, derived from the settings."""

from __future__ import annotations

from vision_integrations.settings import VisionSettings

__all__ = ["store_key"]

# Airflow's masker treats any key containing "token" as sensitive, so the UI
# and REST API show `***` for these entries even though they hold only a
# sealed record.
_PREFIX = "vision_token_"


def store_key(settings: VisionSettings) -> str:
    """Return the XCom key and Variable name for these settings' token.

    The name follows `settings.cache_key`, so a connection that now names
    another client, region or URL looks in another place.
    """
    return _PREFIX + settings.cache_key
