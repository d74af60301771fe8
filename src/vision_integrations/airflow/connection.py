"""Turn an Airflow `vision` connection into validated `VisionSettings`.

The mapping, field by field:

===========  ===============================================================
login        client ID
password     client secret
host         API base URL, optional; a full URL (``https://.../v3``), or a
             bare host name to which ``https://``, the port and the schema
             (the URI's path) are added, as a URI connection parses it
extra        ``region`` (us or eu, default us), ``auth_url`` and ``audience``
             (optional overrides of the region's published values)
===========  ===============================================================

The local file cache follows the environment (``VISION_CACHE_DIR``,
``VISION_FILE_CACHE``), as everywhere else in the package, because where a
worker may keep files is a property of the host, not of the connection.

Every problem raises `VisionConfigError` whose `setting` names the connection
field to fix (``login``, ``password``, ``host``, ``extra.region``, ...).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Protocol

from vision_integrations.airflow.provider_info import REGION_CHOICES
from vision_integrations.errors import VisionConfigError
from vision_integrations.regions import REGIONS
from vision_integrations.settings import VisionSettings

__all__ = ["ConnectionLike", "settings_from_connection"]

# Environment variables that still apply to a connection's settings.
_HOST_ENV_VARS = ("VISION_CACHE_DIR", "VISION_FILE_CACHE")

# Where each core setting comes from in a connection, for error messages.
_FIELD_OF_SETTING = {
    "client_id": ("login", "Client ID"),
    "client_secret": ("password", "Client Secret"),
    "api_base_url": ("host", "API base URL"),
    "region": ("extra.region", "Region"),
    "auth_url": ("extra.auth_url", "Authorization URL"),
    "audience": ("extra.audience", "Audience"),
}


class ConnectionLike(Protocol):
    """The parts of an Airflow `Connection` the mapping reads."""

    @property
    def conn_id(self) -> str | None: ...
    @property
    def host(self) -> str | None: ...
    @property
    def schema(self) -> str | None: ...
    @property
    def login(self) -> str | None: ...
    @property
    def password(self) -> str | None: ...
    @property
    def port(self) -> int | None: ...
    @property
    def extra_dejson(self) -> dict[str, Any]: ...


def settings_from_connection(
    conn: ConnectionLike, environ: Mapping[str, str] | None = None
) -> VisionSettings:
    """Build validated settings from a `vision` connection.

    Raise `VisionConfigError` naming the connection and the field to fix;
    the message never contains the client secret.
    """
    conn_id = conn.conn_id or "<unnamed>"
    extra = conn.extra_dejson or {}

    client_id = _text(conn_id, "client_id", conn.login)
    client_secret = _text(conn_id, "client_secret", conn.password)
    if not client_id:
        raise _error(conn_id, "client_id", "is empty; enter the client ID.")
    if not client_secret:
        raise _error(conn_id, "client_secret", "is empty; enter the client secret.")

    region = (_text(conn_id, "region", extra.get("region")) or "us").lower()
    if region not in REGION_CHOICES:
        raise _error(
            conn_id,
            "region",
            f"is {region!r}; choose one of {', '.join(REGION_CHOICES)}.",
        )

    urls = {
        "api_base_url": _api_base_url(conn_id, conn),
        "auth_url": _text(conn_id, "auth_url", extra.get("auth_url")),
        "audience": _text(conn_id, "audience", extra.get("audience")),
    }
    published = REGIONS[region]
    missing = [
        name
        for name, value in urls.items()
        if value is None and getattr(published, name) is None
    ]
    if missing:
        wanted = ", ".join("{} ({})".format(*_FIELD_OF_SETTING[m]) for m in missing)
        raise _error(
            conn_id,
            missing[0],
            f"is needed: region {region!r} has no published URLs, so fill in "
            f"{wanted} with the values your Vision account gives.",
        )

    env = os.environ if environ is None else environ
    host_env = {name: env[name] for name in _HOST_ENV_VARS if env.get(name)}
    try:
        return VisionSettings.from_env(
            host_env,
            client_id=client_id,
            client_secret=client_secret,
            region=region,
            **urls,
        )
    except VisionConfigError as exc:
        if exc.setting not in _FIELD_OF_SETTING:
            raise
        # The core's message speaks of keyword arguments and environment
        # variables; say which connection field to fix instead.
        raise _error(conn_id, exc.setting, f"is not usable: {exc}") from exc


def _api_base_url(conn_id: str, conn: ConnectionLike) -> str | None:
    host = _text(conn_id, "api_base_url", conn.host)
    if not host:
        return None
    if "://" in host:
        return host
    url = f"https://{host}"
    if conn.port:
        url += f":{conn.port}"
    schema = (conn.schema or "").strip("/ ")
    if schema:
        url += f"/{schema}"
    return url


def _text(conn_id: str, setting: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _error(conn_id, setting, f"must be text, not {type(value).__name__}.")
    return value.strip() or None


def _error(conn_id: str, setting: str, problem: str) -> VisionConfigError:
    field, label = _FIELD_OF_SETTING[setting]
    return VisionConfigError(
        field, f"Vision connection {conn_id!r}: {label} ({field}) {problem}"
    )
