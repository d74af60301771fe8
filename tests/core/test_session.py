"""VisionSession over real sockets: wire format, paths, 401s, paging, pooling."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from tests.core._capture import CaptureServer
from vision_integrations import (
    TokenManager,
    VisionAPIError,
    VisionSession,
    VisionSettings,
)
from vision_integrations.testing import VisionEmulator


def test_the_token_request_is_exactly_the_vendors(settings: VisionSettings) -> None:
    reply = {"access_token": "a.b.c", "expires_in": 259200, "token_type": "Bearer"}
    with CaptureServer(body=json.dumps(reply).encode()) as server:
        wired = settings.replace(auth_url=f"{server.url}/oauth/token")
        TokenManager(wired, caches=[]).get_token()
    (request,) = server.seen
    assert (request.method, request.path) == ("POST", "/oauth/token")
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "audience": settings.audience,
        "grant_type": "client_credentials",
        "client_id": settings.client_id,
        "client_secret": settings.client_secret.get_secret_value(),
    }


@pytest.mark.parametrize("path", ["inspections", "/inspections"])
def test_relative_paths_resolve_under_the_base_url(
    vision_emulator: VisionEmulator, settings: VisionSettings, path: str
) -> None:
    with VisionSession(settings) as session:
        response = session.get(path)
    assert response.status_code == 200
    assert response.url.startswith(f"{vision_emulator.api_base_url}/inspections")
    assert vision_emulator.api_calls(authorized=True) == 1


def test_from_env_builds_a_working_session(
    vision_emulator: VisionEmulator, vision_env: dict[str, str]
) -> None:
    with VisionSession.from_env() as session:
        assert session.get("").status_code == 200
    assert vision_emulator.token_requests() == 1


def test_other_origins_get_no_token(settings: VisionSettings) -> None:
    with CaptureServer() as elsewhere, VisionSession(settings) as session:
        session.get(f"{elsewhere.url}/anything")
    assert "Authorization" not in elsewhere.seen[0].headers


def test_a_redirect_to_another_host_drops_the_token(
    vision_emulator: VisionEmulator, settings: VisionSettings
) -> None:
    with CaptureServer() as target:
        with CaptureServer(
            status=302, body=b"", headers={"Location": f"{target.url}/landed"}
        ) as redirector:
            api = settings.replace(api_base_url=f"{redirector.url}/v3")
            with VisionSession(api) as session:
                session.get("inspections")
        assert redirector.seen[0].headers["Authorization"].startswith("Bearer ")
        assert target.seen[0].path == "/landed"
        assert "Authorization" not in target.seen[0].headers


def test_a_revoked_token_is_replaced_once_and_the_body_replayed(
    vision_emulator: VisionEmulator, settings: VisionSettings
) -> None:
    with VisionSession(settings) as session:
        session.get("inspections").raise_for_status()
        vision_emulator.revoke()
        response = session.post("inspections", json={"label": "replayed body"})
    assert response.ok, response.text
    assert response.json()["result"]["label"] == "replayed body"
    assert [r.status_code for r in response.history] == [401]
    assert vision_emulator.token_requests() == 2
    assert vision_emulator.api_calls(authorized=False) == 1


def test_a_401_that_persists_reaches_the_caller(settings: VisionSettings) -> None:
    with CaptureServer(status=401, body=b'{"response_code": 401}') as api:
        wired = settings.replace(api_base_url=f"{api.url}/v3")
        with VisionSession(wired) as session:
            response = session.get("inspections")
    assert response.status_code == 401
    assert len(api.seen) == 2


def test_a_streamed_body_that_cannot_be_rewound_is_not_replayed(
    settings: VisionSettings,
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"label": '
        yield b'"streamed"}'

    with CaptureServer(status=401, body=b'{"response_code": 401}') as api:
        wired = settings.replace(api_base_url=f"{api.url}/v3")
        with VisionSession(wired) as session:
            first = session.manager.get_token()
            response = session.post("inspections", data=chunks())
            second = session.manager.get_token()
    assert response.status_code == 401
    assert len(api.seen) == 1
    assert second != first  # the refused token was dropped all the same


def test_requests_get_a_timeout_by_default(settings: VisionSettings) -> None:
    with CaptureServer(delay=1.5) as slow:
        wired = settings.replace(api_base_url=f"{slow.url}/v3", read_timeout=0.3)
        with VisionSession(wired) as session, pytest.raises(requests.Timeout):
            session.get(f"{slow.url}/v3/slow")


def test_connections_are_pooled(
    vision_emulator: VisionEmulator, settings: VisionSettings
) -> None:
    with VisionSession(settings) as session:
        for _ in range(20):
            session.get("inspections").raise_for_status()
    # One connection for the token request, one for the twenty API calls.
    assert vision_emulator.connections() == 2


def test_iter_items_walks_every_page(
    vision_emulator: VisionEmulator, settings: VisionSettings
) -> None:
    with VisionSession(settings) as session:
        items = list(session.iter_items("inspections", page_size=10))
        limited = list(session.iter_items("inspections", max_items=15, page_size=10))
    assert len(items) == 57
    assert len({item["id"] for item in items}) == 57
    assert len(limited) == 15
    assert vision_emulator.api_calls(authorized=True) == 6 + 2


def test_iter_items_passes_filters(settings: VisionSettings) -> None:
    with VisionSession(settings) as session:
        everything = list(session.iter_items("inspections"))
        status = everything[0]["status"]
        chosen = list(
            session.iter_items("inspections", [("filter[status][in][]", status)])
        )
    assert chosen
    assert all(item["status"] == status for item in chosen)
    assert len(chosen) < len(everything)


def test_api_errors_carry_the_vision_fields(settings: VisionSettings) -> None:
    with VisionSession(settings) as session, pytest.raises(VisionAPIError) as caught:
        list(session.iter_items("inspections/does-not-exist/items"))
    error = caught.value
    assert error.status_code == 404
    assert error.response_code == 404
    assert error.message


def test_the_pager_refuses_its_own_parameters(settings: VisionSettings) -> None:
    with VisionSession(settings) as session:
        with pytest.raises(ValueError, match="page_size"):
            list(session.iter_items("inspections", {"page[size]": 5}))
        with pytest.raises(ValueError, match="page_size"):
            list(session.iter_items("inspections", page_size=500))
