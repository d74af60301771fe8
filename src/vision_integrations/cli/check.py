"""`vision-integrations check`: prove the settings work, showing no secret.

The caches are read before the manager runs, so the report can say whether
the token was reused (and from which cache) or fetched just now.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone

import requests

from vision_integrations.caches import MemoryTokenCache, TokenCache, default_caches
from vision_integrations.cli.exits import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from vision_integrations.errors import (
    VisionAuthError,
    VisionConfigError,
    VisionError,
)
from vision_integrations.file_cache import FileTokenCache
from vision_integrations.manager import TokenManager
from vision_integrations.session import VisionSession
from vision_integrations.settings import ENV_VARS, VisionSettings
from vision_integrations.tokens import AccessToken

__all__ = ["run_check"]


def run_check(*, no_api: bool = False) -> int:
    """Check the `VISION_*` settings end to end; return the exit status."""
    try:
        settings = VisionSettings.from_env()
    except VisionConfigError as exc:
        variable = ENV_VARS.get(exc.setting, exc.setting)
        _fail(f"configuration error ({variable}): {exc}")
        return EXIT_USAGE

    print(f"Client ID     {settings.client_id} (region {settings.region})")
    print(f"Token URL     {settings.auth_url}")
    print(f"Audience      {settings.audience}")
    print(f"API base URL  {settings.api_base_url}")

    caches = default_caches(settings)
    manager = TokenManager(settings, caches)
    cached = _fresh_in_caches(manager, caches)
    try:
        token = manager.get_token()
    except VisionAuthError as exc:
        _fail(
            f"credentials refused: {exc.error or 'refused'}"
            f"{': ' + exc.error_description if exc.error_description else ''} "
            f"(HTTP {exc.status_code}, client ID {exc.client_id!r}). Check "
            f"{ENV_VARS['client_id']}, {ENV_VARS['client_secret']} and "
            f"{ENV_VARS['audience']}."
        )
        return EXIT_FAILURE
    except VisionError as exc:
        _fail(f"could not obtain a token: {exc}")
        return EXIT_FAILURE

    print(f"Token         {_provenance(token, cached)}")
    print(f"  fingerprint {token.fingerprint}")
    print(f"  expires     {_expiry(token)}")
    if no_api:
        manager.close()
        return EXIT_OK
    return _check_api(VisionSession(manager=manager))


def _fresh_in_caches(
    manager: TokenManager, caches: list[TokenCache]
) -> tuple[AccessToken, TokenCache] | None:
    now = manager.clock()
    for cache in caches:
        token = cache.load()
        if token is not None and token.is_fresh(now, manager.margin):
            return token, cache
    return None


def _provenance(
    token: AccessToken, cached: tuple[AccessToken, TokenCache] | None
) -> str:
    if cached is not None and cached[0].fingerprint == token.fingerprint:
        return f"reused from the {_cache_name(cached[1])}"
    return "fetched just now from the token endpoint"


def _cache_name(cache: TokenCache) -> str:
    if isinstance(cache, MemoryTokenCache):
        return "memory cache"
    if isinstance(cache, FileTokenCache):
        return f"file cache ({cache.path})"
    return repr(cache)


def _expiry(token: AccessToken) -> str:
    now = datetime.now(timezone.utc)
    left = int((token.expires_at - now).total_seconds())
    hours, rest = divmod(max(left, 0), 3600)
    when = token.expires_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{when} (in {hours} h {rest // 60:02d} min)"


def _check_api(session: VisionSession) -> int:
    url = session.resolve_url("")
    try:
        with session:
            response = session.get("")
    except requests.RequestException as exc:
        _fail(f"the API at {url} did not answer: {type(exc).__name__}")
        return EXIT_FAILURE
    except VisionError as exc:
        _fail(f"could not call the API: {exc}")
        return EXIT_FAILURE

    message = _message_of(response)
    print(f"API           GET {url} -> HTTP {response.status_code}{message}")
    if not response.ok:
        _fail(f"the API answered HTTP {response.status_code}{message}")
        return EXIT_FAILURE
    return EXIT_OK


def _message_of(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return f" ({message[:200]})" if isinstance(message, str) else ""


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
