"""Where each Vision region's authorization server and API live.

Only the US URLs are published. The EU region exists but its URLs are not
known to this package, so choosing it means supplying all three yourself.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["REGIONS", "RegionEndpoints"]


@dataclass(frozen=True)
class RegionEndpoints:
    """The published URLs of one region; `None` where none is published."""

    auth_url: str | None
    audience: str | None
    api_base_url: str | None


REGIONS: dict[str, RegionEndpoints] = {
    "us": RegionEndpoints(
        auth_url="https://vision-auth.truepic.com/oauth/token",
        audience="https://vision-api.truepic.com",
        api_base_url="https://vision-api.truepic.com/v3",
    ),
    "eu": RegionEndpoints(auth_url=None, audience=None, api_base_url=None),
}
