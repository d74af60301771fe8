"""Validated settings for talking to one Vision client's token and API URLs."""

from __future__ import annotations

import hashlib
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vision_integrations.errors import VisionConfigError
from vision_integrations.regions import REGIONS
from vision_integrations.secret import Secret

__all__ = ["ENV_VARS", "TokenIdentity", "VisionSettings"]

# The environment variable that feeds each setting.
ENV_VARS: dict[str, str] = {
    "client_id": "VISION_CLIENT_ID",
    "client_secret": "VISION_CLIENT_SECRET",
    "region": "VISION_REGION",
    "auth_url": "VISION_AUTH_URL",
    "audience": "VISION_AUDIENCE",
    "api_base_url": "VISION_API_BASE_URL",
    "cache_dir": "VISION_CACHE_DIR",
    "file_cache": "VISION_FILE_CACHE",
}

_FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class TokenIdentity:
    """What a token is issued for: who asked, where, and for which API.

    A stored token is bound to its identity, so a token issued for one client,
    authorization server or audience is never handed to another.
    """

    auth_url: str
    audience: str
    client_id: str

    def as_bytes(self) -> bytes:
        """Return an unambiguous byte form, for key derivation and binding."""
        parts = (self.auth_url, self.audience, self.client_id)
        return b"\x00".join(part.encode("utf-8") for part in parts)


@dataclass(frozen=True)
class VisionSettings:
    """Everything needed to obtain tokens and call the API for one client.

    Build it with `create()` or `from_env()`, which validate every value and
    fill in the region's published URLs; the constructor itself trusts its
    arguments. `client_secret` is a `Secret`, so no repr shows it.
    """

    client_id: str
    client_secret: Secret = field(repr=False)
    auth_url: str
    audience: str
    api_base_url: str
    region: str = "us"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retry_budget: float = 60.0
    cache_dir: Path | None = None
    file_cache: bool = True

    @classmethod
    def create(
        cls,
        *,
        client_id: str | None,
        client_secret: str | Secret | None,
        region: str | None = None,
        auth_url: str | None = None,
        audience: str | None = None,
        api_base_url: str | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        retry_budget: float = 60.0,
        cache_dir: str | Path | None = None,
        file_cache: bool = True,
    ) -> VisionSettings:
        """Validate the values and resolve the region's defaults.

        Raise `VisionConfigError` naming the first setting that is missing or
        wrong; nothing is sent anywhere before the settings are valid.
        """
        client_id = _required_text("client_id", client_id)
        secret = _required_secret(client_secret)
        region_name = _region_name(region)
        published = REGIONS[region_name]

        urls = {
            "auth_url": _blank_to_none(auth_url) or published.auth_url,
            "audience": _blank_to_none(audience) or published.audience,
            "api_base_url": _blank_to_none(api_base_url) or published.api_base_url,
        }
        missing = [name for name, value in urls.items() if value is None]
        if missing:
            wanted = ", ".join(f"{name} ({ENV_VARS[name]})" for name in missing)
            raise VisionConfigError(
                missing[0],
                f"Region {region_name!r} has no published URLs; set {wanted} "
                f"to the values your Vision account gives for that region.",
            )
        auth = _checked_url("auth_url", urls["auth_url"])
        base = _checked_url("api_base_url", urls["api_base_url"]).rstrip("/")
        audience_value = _required_text("audience", urls["audience"])

        for name, seconds in (
            ("connect_timeout", connect_timeout),
            ("read_timeout", read_timeout),
        ):
            if not seconds > 0:
                raise VisionConfigError(
                    name, f"{name} must be a positive number of seconds."
                )
        if retry_budget < 0:
            raise VisionConfigError(
                "retry_budget", "retry_budget must be zero or more seconds."
            )

        return cls(
            client_id=client_id,
            client_secret=secret,
            auth_url=auth,
            audience=audience_value,
            api_base_url=base,
            region=region_name,
            connect_timeout=float(connect_timeout),
            read_timeout=float(read_timeout),
            retry_budget=float(retry_budget),
            cache_dir=Path(cache_dir).expanduser() if cache_dir else None,
            file_cache=file_cache,
        )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> VisionSettings:
        """Read the `VISION_*` environment variables; keyword arguments win.

        An override of `None` means "not given", so the environment still
        applies to that setting.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            name: env.get(var) for name, var in ENV_VARS.items() if env.get(var)
        }
        if "file_cache" in values:
            values["file_cache"] = _env_flag(values["file_cache"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        values.setdefault("client_id", None)
        values.setdefault("client_secret", None)
        return cls.create(**values)

    def replace(self, **changes: Any) -> VisionSettings:
        """Return a copy with some values changed, validated again."""
        current: dict[str, Any] = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "region": self.region,
            "auth_url": self.auth_url,
            "audience": self.audience,
            "api_base_url": self.api_base_url,
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
            "retry_budget": self.retry_budget,
            "cache_dir": self.cache_dir,
            "file_cache": self.file_cache,
        }
        current.update(changes)
        return VisionSettings.create(**current)

    @property
    def identity(self) -> TokenIdentity:
        """The identity every token obtained with these settings is bound to."""
        return TokenIdentity(self.auth_url, self.audience, self.client_id)

    @property
    def cache_key(self) -> str:
        """A stable, non-secret name for this identity's stored token.

        Stores use it to name their entry (a file, a Variable, a lock), so
        settings that name another client or URL look in another place.
        """
        return hashlib.sha256(self.identity.as_bytes()).hexdigest()[:32]

    @property
    def longest_fetch(self) -> float:
        """Seconds one token fetch may take, every retry and timeout included.

        A lock held longer than this by someone else means its holder is
        stuck; waiters then fetch on their own rather than hang.
        """
        return self.retry_budget + 2 * (self.connect_timeout + self.read_timeout)

    @property
    def timeout(self) -> tuple[float, float]:
        """The `(connect, read)` timeout pair `requests` takes."""
        return (self.connect_timeout, self.read_timeout)

    def without_file_cache(self) -> VisionSettings:
        """Return a copy that keeps tokens out of the local file cache."""
        return replace(self, file_cache=False)


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _required_text(name: str, value: str | None) -> str:
    cleaned = _blank_to_none(value)
    if cleaned is None:
        raise VisionConfigError(
            name, f"{name} is required: pass {name}= or set {ENV_VARS[name]}."
        )
    return cleaned


def _required_secret(value: str | Secret | None) -> Secret:
    text = value.get_secret_value() if isinstance(value, Secret) else value or ""
    if not text.strip():
        raise VisionConfigError(
            "client_secret",
            "client_secret is required: pass client_secret= or set "
            "VISION_CLIENT_SECRET.",
        )
    return Secret(text.strip())


def _region_name(region: str | None) -> str:
    name = (_blank_to_none(region) or "us").lower()
    if name not in REGIONS:
        choices = ", ".join(sorted(REGIONS))
        raise VisionConfigError(
            "region",
            f"region {region!r} is unknown; use one of: {choices} "
            f"({ENV_VARS['region']}).",
        )
    return name


def _checked_url(name: str, url: str | None) -> str:
    text = _required_text(name, url)
    parts = urlsplit(text)
    where = f"{name} ({ENV_VARS[name]})"
    if parts.username or parts.password:
        # Checked first so that the message below never echoes a password.
        raise VisionConfigError(
            name, f"{where} must not carry a user name or password."
        )
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise VisionConfigError(
            name, f"{where} must be an absolute https:// URL, got {text!r}."
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise VisionConfigError(
            name,
            f"{where} uses http:// for the non-loopback host "
            f"{parts.hostname!r}; use https:// (plain http is only accepted "
            f"for localhost, 127.0.0.0/8 and ::1).",
        )
    return text


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _env_flag(text: str) -> bool:
    word = text.strip().lower()
    if word in _FALSE_WORDS:
        return False
    if word in _TRUE_WORDS:
        return True
    raise VisionConfigError(
        "file_cache",
        f"{ENV_VARS['file_cache']}={text!r} is not a yes/no value; use 1 or 0.",
    )
