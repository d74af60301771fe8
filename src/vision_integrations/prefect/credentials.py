"""The Truepic Vision credentials block, and the sessions it hands out."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal, cast

from prefect.blocks.abstract import CredentialsBlock
from pydantic import Field, SecretStr
from pydantic.json_schema import SkipJsonSchema

from vision_integrations.caches import TokenCache, default_caches
from vision_integrations.manager import TokenManager
from vision_integrations.prefect.block_state import BlockStateStore
from vision_integrations.prefect.lock import GlobalConcurrencyLock
from vision_integrations.session import VisionSession
from vision_integrations.settings import ENV_VARS, VisionSettings

__all__ = ["VisionCredentials"]

# Where a host keeps its token cache is a property of the machine a flow runs
# on, not of the credential, so these two come from the environment even for
# a block loaded from the server.
_HOST_SETTINGS = ("cache_dir", "file_cache")

Region = Literal["us", "eu"]

# The vendor's page on API credentials and access tokens.
_VENDOR_ACCESS_DOCS = "https://vision.truepic.dev/docs/get-api-access"


class VisionCredentials(CredentialsBlock):
    """Credentials for the Truepic Vision API, with a token shared by all runs.

    Create the block once (in the Prefect UI, or in code with `save`), then
    load it in flows and tasks. `get_session()` returns an authenticated
    `requests` session whose relative paths resolve under the API base URL.
    The access token is fetched once and kept, sealed, in the saved block,
    so every later flow run, in any process or on any worker, reuses it
    until it nears expiry.

    Example:
        Load saved credentials and list recent inspections:
        ```python
        from vision_integrations.prefect import VisionCredentials

        credentials = VisionCredentials.load("BLOCK_NAME")
        with credentials.get_session() as session:
            page = session.get("inspections", params={"page[size]": 20}).json()
        ```
    """

    _block_type_name = "Truepic Vision Credentials"
    _block_type_slug = "vision-credentials"
    # TODO: set this to the public https address of logo.png (shipped beside
    # this module) once the project publishes one; Prefect validates it as an
    # http(s) URL, so no data URL. Until then the UI shows a generic icon.
    _logo_url = None
    # Prefect types this as a URL object; its own blocks assign plain strings.
    _documentation_url = _VENDOR_ACCESS_DOCS  # type: ignore[assignment]
    _description = (
        "Client credentials for the Truepic Vision API. Flow runs that load "
        "this block share one access token, kept sealed in the block."
    )
    _code_example = """
        ```python
        from vision_integrations.prefect import VisionCredentials

        vision_credentials = VisionCredentials.load("BLOCK_NAME")
        with vision_credentials.get_session() as session:
            inspections = session.get("inspections").json()
        ```
    """

    client_id: str = Field(
        default=...,
        title="Client ID",
        description=(
            "The client ID generated under Settings > API Integration in the "
            "Vision Dashboard."
        ),
    )
    client_secret: SecretStr = Field(
        default=...,
        title="Client Secret",
        description="The client secret generated together with the client ID.",
    )
    region: Region = Field(
        default="us",
        title="Region",
        description=(
            "The Vision region of the account. For 'eu' also fill in the "
            "authorization URL, audience and API base URL."
        ),
    )
    auth_url: str | None = Field(
        default=None,
        title="Authorization URL",
        description=(
            "The token endpoint. Leave empty to use the region's published endpoint."
        ),
    )
    audience: str | None = Field(
        default=None,
        title="Audience",
        description=(
            "The API audience that tokens are requested for. Leave empty to "
            "use the region's published audience."
        ),
    )
    api_base_url: str | None = Field(
        default=None,
        title="API Base URL",
        description=(
            "The base URL that relative request paths resolve under. Leave "
            "empty to use the region's published URL."
        ),
    )
    # Kept out of the form (no one should type it) but saved and returned as
    # a secret field, so a read without secrets shows only asterisks.
    sealed_token: SkipJsonSchema[SecretStr | None] = Field(
        default=None,
        repr=False,
        description="The access token in use, sealed; written by flow runs.",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> VisionCredentials:
        """Build unsaved credentials from the `VISION_*` environment variables.

        The values are validated as `VisionSettings.from_env` validates them,
        so a missing variable raises `VisionConfigError` naming it.
        """
        settings = VisionSettings.from_env(environ)
        return cls(
            client_id=settings.client_id,
            client_secret=SecretStr(settings.client_secret.get_secret_value()),
            region=cast(Region, settings.region),
            auth_url=settings.auth_url,
            audience=settings.audience,
            api_base_url=settings.api_base_url,
        )

    def get_settings(self) -> VisionSettings:
        """Return the validated core settings these credentials describe.

        `VISION_CACHE_DIR` and `VISION_FILE_CACHE` in this process's
        environment choose where the host-local token cache lives.
        """
        host_env = {
            ENV_VARS[name]: os.environ[ENV_VARS[name]]
            for name in _HOST_SETTINGS
            if ENV_VARS[name] in os.environ
        }
        return VisionSettings.from_env(
            host_env,
            client_id=self.client_id,
            client_secret=self.client_secret.get_secret_value(),
            region=self.region,
            auth_url=self.auth_url,
            audience=self.audience,
            api_base_url=self.api_base_url,
        )

    def get_session(self) -> VisionSession:
        """Return an authenticated session for the Vision API.

        The session is a `requests.Session`: its calls block. Within a saved
        block the token is looked up in this process, then in the local
        file cache, then in the block document; a fetch happens only when
        none has a fresh one, and concurrent flow runs queue behind one
        fetch. A block that was never saved uses the first two only.
        """
        settings = self.get_settings()
        manager = TokenManager(settings, self._token_caches(settings))
        return VisionSession(settings, manager=manager)

    async def aget_session(self) -> VisionSession:
        """Return a session whose token is ready, without blocking the loop.

        Looking up or fetching the token talks to the Prefect API and the
        authorization server, so it runs in a worker thread. Requests on the
        returned session still block: run them in a thread as well, for
        example `await anyio.to_thread.run_sync(session.get, "inspections")`.
        """
        import anyio.to_thread

        settings = self.get_settings()
        manager = TokenManager(settings, self._token_caches(settings))
        await anyio.to_thread.run_sync(manager.get_token)
        return VisionSession(settings, manager=manager)

    def get_client(self, *args: Any, **kwargs: Any) -> VisionSession:
        """Return `get_session()`; the name every Prefect credentials block has."""
        return self.get_session()

    def _token_caches(self, settings: VisionSettings) -> list[TokenCache]:
        caches = default_caches(settings)
        if self._block_document_id is not None:
            caches.append(
                BlockStateStore(
                    settings,
                    self._block_document_id,
                    lock=GlobalConcurrencyLock.for_settings(settings),
                )
            )
        return caches
