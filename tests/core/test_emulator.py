"""Test the local Vision emulator over real sockets, with requests as client."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

import vision_integrations.testing as testing_pkg
from vision_integrations.testing import (
    DEFAULT_AUDIENCE,
    EmulatorControl,
    TokenFault,
    VisionEmulator,
)
from vision_integrations.testing.cli import main as cli_main

pytest_plugins = ["vision_integrations.testing.pytest_plugin"]

TIMEOUT = 5
# An all-interfaces address, only ever passed to be refused.
ANY_HOST = "0.0.0.0"  # noqa: S104


@pytest.fixture
def emu():
    with VisionEmulator() as emulator:
        yield emulator


def grant_body(emu: VisionEmulator, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "audience": emu.audience,
        "grant_type": "client_credentials",
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def ask_token(emu: VisionEmulator, **overrides: object) -> requests.Response:
    return requests.post(emu.auth_url, json=grant_body(emu, **overrides), timeout=5)


def fetch_token(emu: VisionEmulator) -> str:
    response = ask_token(emu)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def claims_of(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def api_get(emu: VisionEmulator, path: str, token: str | None, **params: object):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(
        emu.api_base_url + path, headers=headers, params=params, timeout=TIMEOUT
    )


# Lifecycle and configuration


def test_context_manager_serves_on_loopback_and_exposes_urls(emu):
    assert emu.running
    assert emu.url == f"http://127.0.0.1:{emu.port}"
    assert emu.auth_url == emu.url + "/oauth/token"
    assert emu.api_base_url == emu.url + "/v3"
    assert emu.audience == DEFAULT_AUDIENCE
    assert emu.client_id == "emulator-client"
    assert emu.env() == {
        "VISION_CLIENT_ID": emu.client_id,
        "VISION_CLIENT_SECRET": emu.client_secret,
        "VISION_AUTH_URL": emu.auth_url,
        "VISION_AUDIENCE": emu.audience,
        "VISION_API_BASE_URL": emu.api_base_url,
    }
    assert emu.client_secret not in repr(emu)


def test_each_instance_gets_its_own_secret():
    first, second = VisionEmulator(), VisionEmulator()
    assert first.client_secret != second.client_secret
    assert len(first.client_secret) >= 20


def test_explicit_start_stop_releases_port_and_closes_keepalive():
    emulator = VisionEmulator().start()
    session = requests.Session()
    assert session.get(emulator.url + "/v3/online", timeout=TIMEOUT).status_code == 401
    port = emulator.port
    emulator.stop()
    emulator.stop()  # stopping twice is harmless
    assert not emulator.running
    with pytest.raises(requests.ConnectionError):
        session.get(f"http://127.0.0.1:{port}/v3/online", timeout=TIMEOUT)
    with pytest.raises(RuntimeError, match="restarted"):
        emulator.start()
    with pytest.raises(RuntimeError, match="start the VisionEmulator"):
        _ = emulator.url


def test_given_port_and_configured_identity():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with VisionEmulator(
        port=port,
        audience="https://vision-api.example",
        client_id="me",
        client_secret="s3cret",
        clients={"other": "pw"},
    ) as emulator:
        assert emulator.port == port
        assert ask_token(emulator).status_code == 200
        assert (
            ask_token(emulator, client_id="other", client_secret="pw").status_code
            == 200
        )
        assert claims_of(fetch_token(emulator))["aud"] == "https://vision-api.example"


@pytest.mark.parametrize("host", [ANY_HOST, "10.1.2.3", "example.com", "::1"])
def test_non_loopback_host_is_refused(host):
    with pytest.raises(ValueError, match="loopback"):
        VisionEmulator(host=host)


def test_handler_writes_nothing_to_stderr(emu, capfd):
    fetch_token(emu)
    api_get(emu, "/online", None)
    assert capfd.readouterr().err == ""


# Token endpoint


def test_token_success_has_vendor_shape_and_claims(emu):
    before = int(time.time())
    response = ask_token(emu)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["expires_in"] == 259200
    assert body["token_type"] == "Bearer"
    header_b64 = body["access_token"].split(".")[0]
    assert "=" not in body["access_token"]
    assert json.loads(base64.urlsafe_b64decode(header_b64 + "==")) == {
        "alg": "HS256",
        "typ": "JWT",
    }
    claims = claims_of(body["access_token"])
    assert claims["iss"] == emu.url + "/"
    assert claims["sub"] == f"{emu.client_id}@clients"
    assert claims["azp"] == emu.client_id
    assert claims["aud"] == emu.audience
    assert claims["gty"] == "client-credentials"
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 259200


def test_lifetime_is_configurable_for_expires_in_and_exp():
    with VisionEmulator(token_lifetime=120) as emulator:
        body = ask_token(emulator).json()
        assert body["expires_in"] == 120
        claims = claims_of(body["access_token"])
        assert claims["exp"] - claims["iat"] == 120
        emulator.token_lifetime = 60
        assert ask_token(emulator).json()["expires_in"] == 60
    with pytest.raises(ValueError, match="lifetime"):
        VisionEmulator(token_lifetime=0)


def test_tokens_issued_in_the_same_second_differ(emu):
    assert fetch_token(emu) != fetch_token(emu)


def oauth_error_of(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"error", "error_description"}
    return response.status_code, body["error"], body["error_description"]


def test_form_encoded_body_is_refused(emu):
    response = requests.post(emu.auth_url, data=grant_body(emu), timeout=TIMEOUT)
    assert oauth_error_of(response)[:2] == (400, "invalid_request")
    assert "application/json" in oauth_error_of(response)[2]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b""])
def test_unparsable_or_non_object_body_is_refused(emu, raw):
    response = requests.post(
        emu.auth_url,
        data=raw,
        headers={"Content-Type": "application/json; charset=utf-8"},
        timeout=TIMEOUT,
    )
    assert oauth_error_of(response)[:2] == (400, "invalid_request")


@pytest.mark.parametrize(
    "field", ["grant_type", "client_id", "client_secret", "audience"]
)
def test_missing_field_is_invalid_request_naming_it(emu, field):
    body = grant_body(emu)
    del body[field]
    response = requests.post(emu.auth_url, json=body, timeout=TIMEOUT)
    assert oauth_error_of(response) == (
        400,
        "invalid_request",
        f"Missing required parameter: {field}",
    )


def test_non_string_field_is_invalid_request(emu):
    response = ask_token(emu, client_id=42)
    assert oauth_error_of(response)[:2] == (400, "invalid_request")


def test_disabled_and_unknown_grant_types(emu):
    assert oauth_error_of(ask_token(emu, grant_type="password"))[:2] == (
        403,
        "unauthorized_client",
    )
    assert oauth_error_of(ask_token(emu, grant_type="magic"))[:2] == (
        400,
        "unsupported_grant_type",
    )


def test_wrong_secret_and_unknown_client_are_401(emu):
    expected = (401, "access_denied", "Unauthorized")
    assert oauth_error_of(ask_token(emu, client_secret="nope")) == expected
    assert oauth_error_of(ask_token(emu, client_id="ghost")) == expected


def test_wrong_audience_is_403_naming_it(emu):
    response = ask_token(emu, audience="https://other.example")
    assert oauth_error_of(response) == (
        403,
        "access_denied",
        "Service not enabled within domain: https://other.example",
    )


def test_client_without_grant_is_403(emu):
    emu.add_client("no-grant", "pw", granted=False)
    status, error, description = oauth_error_of(
        ask_token(emu, client_id="no-grant", client_secret="pw")
    )
    assert (status, error) == (403, "access_denied")
    assert description.startswith("Client is not authorized to access")


def test_get_on_token_endpoint_is_not_a_token_request(emu):
    assert requests.get(emu.auth_url, timeout=TIMEOUT).status_code == 405
    assert emu.token_requests() == 0


def test_unknown_path_is_404(emu):
    assert requests.get(emu.url + "/nowhere", timeout=TIMEOUT).status_code == 404


# API authorization


def test_status_routes_with_token(emu):
    token = fetch_token(emu)
    for path in ("", "/", "/online"):
        response = api_get(emu, path, token)
        assert response.status_code == 200
        assert response.json()["response_code"] == 200
        assert response.json()["api_version"] == "3.0.0"
    assert emu.api_calls(authorized=True) == 3


UNAUTHORIZED = {"response_code": 401, "message": "Unauthorized", "api_version": "3.0.0"}


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer ", "Basic abc", "Bearer not.a.jwt", "x"]
)
def test_missing_or_malformed_authorization_is_401(emu, header):
    headers = {} if header is None else {"Authorization": header}
    response = requests.get(emu.api_base_url + "/", headers=headers, timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert emu.api_calls(authorized=False) == 1
    assert emu.api_calls(authorized=True) == 0


def test_tampered_and_foreign_tokens_are_401(emu):
    token = fetch_token(emu)
    header, _payload, signature = token.split(".")
    claims = claims_of(token)
    claims["exp"] = claims["exp"] + 10**6
    forged_payload = (
        base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    )
    assert (
        api_get(emu, "/", f"{header}.{forged_payload}.{signature}").status_code == 401
    )
    with VisionEmulator() as other:
        assert api_get(emu, "/", fetch_token(other)).status_code == 401
    assert api_get(emu, "/", token).status_code == 200


def test_expired_token_is_401_per_emulator_clock():
    with VisionEmulator(token_lifetime=100) as emulator:
        token = fetch_token(emulator)
        emulator.advance_clock(99)
        assert api_get(emulator, "/", token).status_code == 200
        emulator.advance_clock(2)
        assert api_get(emulator, "/", token).status_code == 401
        newer = claims_of(fetch_token(emulator))
        assert newer["iat"] >= claims_of(token)["iat"] + 101
    with pytest.raises(ValueError, match="forward"):
        VisionEmulator().advance_clock(-1)


def test_minted_wrong_audience_token_is_401(emu):
    assert (
        api_get(emu, "/", emu.mint_token(audience="https://x.example")).status_code
        == 401
    )
    assert api_get(emu, "/", emu.mint_token()).status_code == 200
    assert api_get(emu, "/", emu.mint_token(lifetime=-1)).status_code == 401
    assert emu.token_requests() == 0
    assert emu.issued_tokens() == []


def test_revoke_one_then_all(emu):
    first, second, third = fetch_token(emu), fetch_token(emu), fetch_token(emu)
    assert emu.revoke(first) == 1
    assert emu.revoke(first) == 0
    assert api_get(emu, "/", first).status_code == 401
    assert api_get(emu, "/", second).status_code == 200
    assert emu.revoke() == 2
    assert api_get(emu, "/", second).status_code == 401
    assert api_get(emu, "/", third).status_code == 401
    assert api_get(emu, "/", fetch_token(emu)).status_code == 200


# Inspections


def test_default_page_and_last_pages(emu):
    token = fetch_token(emu)
    body = api_get(emu, "/inspections", token).json()
    assert body["response_code"] == 200
    assert body["api_version"] == "3.0.0"
    assert [item["id"] for item in body["result"]] == list(range(1, 21))
    assert (body["pageCount"], body["total"], body["totalResults"]) == (3, 20, 57)
    last = api_get(emu, "/inspections", token, **{"page[number]": 3}).json()
    assert [item["id"] for item in last["result"]] == list(range(41, 58))
    assert last["total"] == 17
    beyond = api_get(emu, "/inspections", token, **{"page[number]": 4}).json()
    assert (beyond["result"], beyond["total"], beyond["totalResults"]) == ([], 0, 57)
    whole = api_get(emu, "/inspections", token, **{"page[size]": 100}).json()
    assert (whole["pageCount"], whole["total"]) == (1, 57)


@pytest.mark.parametrize(
    "params",
    [
        {"page[size]": 101},
        {"page[size]": 0},
        {"page[number]": 0},
        {"page[number]": "two"},
        {"filter[colour][=]": "red"},
        {"filter[status][=]": "high"},
        {"sort[created_at]": "sideways"},
    ],
)
def test_bad_list_queries_are_400_in_vision_shape(emu, params):
    response = api_get(emu, "/inspections", fetch_token(emu), **params)
    assert response.status_code == 400
    body = response.json()
    assert body["response_code"] == 400
    assert body["api_version"] == "3.0.0"
    assert body["message"]


def test_filters_and_sort(emu):
    token = fetch_token(emu)
    equal = api_get(emu, "/inspections", token, **{"filter[status][=]": 2}).json()
    assert {item["status"] for item in equal["result"]} == {2}
    assert equal["totalResults"] == len([i for i in range(1, 58) if i % 5 == 2])
    response = requests.get(
        emu.api_base_url + "/inspections",
        headers={"Authorization": f"Bearer {token}"},
        params=[("filter[status][in][]", "1"), ("filter[status][in][]", "3")],
        timeout=TIMEOUT,
    )
    assert {item["status"] for item in response.json()["result"]} == {1, 3}
    newest = api_get(
        emu, "/inspections", token, **{"sort[created_at]": "desc", "page[size]": 2}
    ).json()
    assert [item["id"] for item in newest["result"]] == [57, 56]
    since = api_get(
        emu, "/inspections", token, **{"filter[created_at][>=]": "2026-01-03"}
    ).json()
    assert since["totalResults"] == 57 - 47
    text = api_get(emu, "/inspections", token, **{"filter[q][=]": "inspection 5"})
    assert {item["id"] for item in text.json()["result"]} == {
        5,
        50,
        51,
        52,
        53,
        54,
        55,
        56,
        57,
    }


def test_get_one_and_unknown(emu):
    token = fetch_token(emu)
    one = api_get(emu, "/inspections/7", token).json()
    assert one["result"]["id"] == 7
    for missing in ("/inspections/999", "/inspections/abc"):
        response = api_get(emu, missing, token)
        assert response.status_code == 404
        assert response.json()["response_code"] == 404


def test_create_then_read_back(emu):
    token = fetch_token(emu)
    headers = {"Authorization": f"Bearer {token}"}
    created = requests.post(
        emu.api_base_url + "/inspections",
        json={"title": "New one", "id": 1},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert created.status_code == 201
    item = created.json()["result"]
    assert item["id"] == 58
    assert item["title"] == "New one"
    assert api_get(emu, "/inspections/58", token).json()["result"] == item
    assert api_get(emu, "/inspections", token).json()["totalResults"] == 58
    refused = requests.post(
        emu.api_base_url + "/inspections", json=[1], headers=headers, timeout=TIMEOUT
    )
    assert refused.status_code == 400


def test_seed_count_is_configurable():
    with VisionEmulator(inspections=0) as emulator:
        body = api_get(emulator, "/inspections", fetch_token(emulator)).json()
        assert (body["result"], body["pageCount"], body["totalResults"]) == ([], 0, 0)


# Faults


def test_faults_are_fifo_counted_then_normal(emu):
    emu.script_token_responses(
        TokenFault.status(503), TokenFault.html(502), TokenFault.malformed()
    )
    assert emu.pending_faults() == 3
    first = ask_token(emu)
    assert first.status_code == 503
    assert first.json()["error"] == "server_error"
    second = ask_token(emu)
    assert second.status_code == 502
    assert second.headers["Content-Type"].startswith("text/html")
    assert "<html>" in second.text
    third = ask_token(emu)
    assert third.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        third.json()
    assert ask_token(emu).status_code == 200
    assert emu.token_requests() == 4
    assert emu.token_requests(emu.client_id) == 4
    assert len(emu.issued_tokens()) == 1


def test_rate_limit_faults(emu):
    emu.script_token_responses(
        TokenFault.rate_limited(retry_after=3), TokenFault.rate_limited_until(1234567)
    )
    quota = ask_token(emu)
    assert quota.status_code == 429
    assert quota.headers["Retry-After"] == "3"
    assert quota.json() == {
        "error": "too_many_requests",
        "error_description": "Client quota exceeded",
    }
    limit = ask_token(emu)
    assert limit.status_code == 429
    assert limit.headers["X-RateLimit-Reset"] == "1234567"
    assert limit.headers["X-RateLimit-Remaining"] == "0"
    assert int(limit.headers["X-RateLimit-Limit"]) > 0


@pytest.mark.parametrize(
    "payload",
    [
        {"expires_in": 10, "token_type": "Bearer"},
        {"access_token": "a.b.c", "expires_in": 10, "token_type": "MAC"},
        {"access_token": "a.b.c", "expires_in": "soon", "token_type": "Bearer"},
        {"access_token": "", "expires_in": 10, "token_type": "Bearer"},
    ],
)
def test_body_fault_sends_the_given_json(emu, payload):
    emu.script_token_responses(TokenFault.body(200, payload))
    response = ask_token(emu)
    assert (response.status_code, response.json()) == (200, payload)


def test_status_fault_with_text_body_and_headers(emu):
    emu.script_token_responses(
        TokenFault.status(500, body="boom", headers={"X-Debug": "1"})
    )
    response = ask_token(emu)
    assert (response.status_code, response.text) == (500, "boom")
    assert response.headers["X-Debug"] == "1"


def test_delay_then_normal_or_wrapped(emu):
    emu.script_token_responses(
        TokenFault.delay(0.3), TokenFault.delay(0.2, TokenFault.status(504))
    )
    started = time.monotonic()
    assert ask_token(emu).status_code == 200
    assert ask_token(emu).status_code == 504
    assert time.monotonic() - started >= 0.5
    with pytest.raises(ValueError, match="negative"):
        TokenFault.delay(-1)


def test_stop_cuts_a_delay_short():
    emulator = VisionEmulator().start()
    emulator.script_token_responses(TokenFault.delay(30))
    outcome: list[object] = []

    def ask() -> None:
        try:
            outcome.append(ask_token(emulator).status_code)
        except requests.ConnectionError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=ask, daemon=True)
    worker.start()
    time.sleep(0.2)
    emulator.stop()
    worker.join(timeout=5)
    assert not worker.is_alive()
    # Either the stopping reply got out first or the socket was closed first.
    assert outcome[0] == 503 or isinstance(outcome[0], requests.ConnectionError)


def test_fault_spec_round_trip_and_validation():
    for fault in (
        TokenFault.rate_limited(5),
        TokenFault.html(503),
        TokenFault.delay(1.5, TokenFault.malformed()),
        TokenFault.delay(2),
    ):
        assert TokenFault.from_spec(json.loads(json.dumps(fault.to_spec()))) == fault
    for bad in (
        [],
        {"status_code": 42},
        {"payload": 1},
        {"delay_seconds": -1},
        {"headers": {"a": 1}},
        {"what": 1},
    ):
        with pytest.raises(ValueError, match=r"spec|status_code|payload|must"):
            TokenFault.from_spec(bad)


# Counters


def test_counts_per_client_and_reset(emu):
    emu.add_client("second", "pw")
    fetch_token(emu)
    ask_token(emu, client_id="second", client_secret="pw")
    ask_token(emu, client_id="second", client_secret="wrong")
    requests.post(emu.auth_url, data=b"junk", timeout=TIMEOUT)
    assert emu.token_requests() == 4
    assert emu.token_requests(emu.client_id) == 1
    assert emu.token_requests("second") == 2
    assert emu.token_requests("") == 1
    assert len(emu.issued_tokens()) == 2
    log = emu.token_request_log()
    assert [record.status for record in log] == [200, 200, 401, 400]
    assert log[0].fields == ("audience", "client_id", "client_secret", "grant_type")
    assert log[0].content_type == "application/json"
    assert emu.client_secret not in repr(log)
    emu.reset_counters()
    assert emu.stats() == {
        "token_requests": {},
        "token_requests_total": 0,
        "api_calls": {"authorized": 0, "rejected": 0},
        "issued_tokens": [],
        "connections": 0,
    }


def test_concurrent_requests_are_all_counted(emu):
    threads = [threading.Thread(target=fetch_token, args=(emu,)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert emu.token_requests() == 20
    assert len(set(emu.issued_tokens())) == 20


def test_connections_count_keepalive_reuse(emu):
    token = fetch_token(emu)  # one connection (requests.post closes its pool)
    with requests.Session() as session:
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(5):
            response = session.get(emu.api_base_url + "/", headers=headers, timeout=5)
            assert response.status_code == 200
    assert emu.connections() == 2
    EmulatorControl(emu.url).stats()  # control calls are not counted
    assert emu.connections() == 2


# Control over HTTP


def test_emulator_control_mirrors_the_emulator(emu):
    control = EmulatorControl(emu.url + "/")
    token = fetch_token(emu)
    api_get(emu, "/", token)
    api_get(emu, "/", None)
    assert control.token_requests() == 1
    assert control.token_requests(emu.client_id) == 1
    assert control.token_requests("ghost") == 0
    assert control.api_calls() == 2
    assert control.api_calls(authorized=True) == 1
    assert control.api_calls(authorized=False) == 1
    assert control.issued_tokens() == [token]
    assert control.connections() == 3

    assert control.revoke(token) == 1
    assert api_get(emu, "/", token).status_code == 401
    fetch_token(emu)
    assert control.revoke() == 1

    control.script_token_responses(TokenFault.rate_limited(7), TokenFault.html())
    assert ask_token(emu).headers["Retry-After"] == "7"
    assert ask_token(emu).status_code == 502

    before = emu.now()
    assert control.advance_clock(3600) >= before + 3600

    control.add_client("remote", "pw", granted=False)
    assert ask_token(emu, client_id="remote", client_secret="pw").status_code == 403

    control.reset_counters()
    assert control.stats()["token_requests_total"] == 0


@pytest.mark.parametrize(
    ("method", "name", "body", "status"),
    [
        ("POST", "faults", {"not": "a list"}, 400),
        ("POST", "faults", [{"status_code": 1000}], 400),
        ("POST", "clock", {"advance": "soon"}, 400),
        ("POST", "clock", {"advance": -5}, 400),
        ("POST", "revoke", {"token": 5}, 400),
        ("POST", "clients", {"client_id": "x"}, 400),
        ("POST", "stats", None, 405),
        ("GET", "reset", None, 405),
        ("GET", "nothing", None, 404),
    ],
)
def test_control_routes_refuse_bad_input(emu, method, name, body, status):
    response = requests.request(
        method, f"{emu.url}/_emulator/{name}", json=body, timeout=TIMEOUT
    )
    assert response.status_code == status
    assert response.json()["error"]


def test_emulator_control_requires_http_url():
    with pytest.raises(ValueError, match="http://"):
        EmulatorControl("127.0.0.1:8080")


# CLI


def test_cli_serves_on_a_given_port_until_terminated():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    package_root = Path(testing_pkg.__file__).resolve().parents[2]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(package_root), *filter(None, [env.get("PYTHONPATH")])]
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-m",
            "vision_integrations.testing",
            "serve",
            "--port",
            str(port),
            "--lifetime",
            "600",
            "--client-id",
            "cli-client",
            "--client-secret",
            "cli-secret",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = [process.stdout.readline() for _ in range(7)]
        exports = dict(
            line.removeprefix("export ").strip().split("=", 1)
            for line in lines
            if line.startswith("export ")
        )
        assert f"http://127.0.0.1:{port}" in lines[0]
        assert any("test credential" in line for line in lines)
        assert exports["VISION_CLIENT_ID"] == "cli-client"
        assert exports["VISION_AUTH_URL"] == f"http://127.0.0.1:{port}/oauth/token"
        response = requests.post(
            exports["VISION_AUTH_URL"],
            json={
                "audience": exports["VISION_AUDIENCE"],
                "grant_type": "client_credentials",
                "client_id": "cli-client",
                "client_secret": "cli-secret",
            },
            timeout=TIMEOUT,
        )
        assert response.json()["expires_in"] == 600
        assert EmulatorControl(f"http://127.0.0.1:{port}").token_requests() == 1
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "stopped" in out


def test_cli_refuses_a_non_loopback_host(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["serve", "--host", ANY_HOST])
    assert exit_info.value.code == 2
    assert "loopback" in capsys.readouterr().err


# pytest plugin


def test_vision_emulator_fixture_is_running(vision_emulator):
    assert vision_emulator.running
    assert ask_token(vision_emulator).status_code == 200


@pytest.fixture
def stray_then_vision_env(monkeypatch, request):
    monkeypatch.setenv("VISION_REGION", "eu")
    return request.getfixturevalue("vision_env")


def test_vision_env_fixture_points_at_emulator_and_tmp_cache(
    stray_then_vision_env, vision_emulator, tmp_path
):
    assert "VISION_REGION" not in os.environ
    for name, value in vision_emulator.env().items():
        assert os.environ[name] == value
    assert os.environ["VISION_CACHE_DIR"] == str(tmp_path / "vision-cache")
    assert stray_then_vision_env["VISION_CACHE_DIR"] == os.environ["VISION_CACHE_DIR"]
