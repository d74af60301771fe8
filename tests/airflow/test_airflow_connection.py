"""From a `vision` connection to settings, outside any task.

Connections come from `AIRFLOW_CONN_*` environment variables here, which is
also what a hook sees in the API server or a script: no database is needed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from airflow.sdk import Connection
from airflow_harness import connection_env

from vision_integrations.airflow import VisionHook
from vision_integrations.airflow.variable_store import VariableTokenStore
from vision_integrations.airflow.xcom_store import XComTokenStore
from vision_integrations.errors import VisionConfigError
from vision_integrations.testing import VisionEmulator


@pytest.fixture
def emulator(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[VisionEmulator]:
    monkeypatch.setenv("VISION_CACHE_DIR", str(tmp_path / "cache"))
    with VisionEmulator() as running:
        yield running


def _use(
    monkeypatch: pytest.MonkeyPatch, value: str, conn_id: str = "vision_default"
) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", value)


def test_json_connection_maps_every_field(
    emulator: VisionEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in connection_env(emulator).items():
        monkeypatch.setenv(name, value)

    settings = VisionHook().settings

    assert settings.client_id == emulator.client_id
    assert settings.client_secret.get_secret_value() == emulator.client_secret
    assert settings.api_base_url == emulator.api_base_url
    assert settings.auth_url == emulator.auth_url
    assert settings.audience == emulator.audience
    assert settings.region == "us"


def test_uri_connection_with_an_http_loopback_host(
    emulator: VisionEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The URI form Airflow itself writes for a host that carries a scheme.
    conn = Connection(
        conn_id="vision_uri",
        conn_type="vision",
        login=emulator.client_id,
        password=emulator.client_secret,
        host=emulator.api_base_url,
        extra=json.dumps({"auth_url": emulator.auth_url, "region": "us"}),
    )
    _use(monkeypatch, conn.get_uri(), "vision_uri")

    hook = VisionHook(vision_conn_id="vision_uri")

    assert hook.settings.api_base_url == emulator.api_base_url
    assert hook.settings.auth_url == emulator.auth_url
    assert hook.settings.client_secret.get_secret_value() == emulator.client_secret
    assert hook.run("inspections", params={"page[size]": 1})["result"]


def test_uri_connection_with_a_bare_host_gets_https_port_and_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _use(monkeypatch, "vision://someone:s3cret@api.example.com:8443/v3?region=us")

    settings = VisionHook().settings

    assert settings.api_base_url == "https://api.example.com:8443/v3"
    assert settings.auth_url == "https://vision-auth.truepic.com/oauth/token"


def test_empty_host_means_the_region_default(monkeypatch: pytest.MonkeyPatch) -> None:
    _use(
        monkeypatch, json.dumps({"conn_type": "vision", "login": "a", "password": "b"})
    )

    assert VisionHook().settings.api_base_url == "https://vision-api.truepic.com/v3"


@pytest.mark.parametrize(
    ("fields", "setting", "hint"),
    [
        ({"password": "the-secret-value"}, "login", "Client ID"),
        ({"login": "someone"}, "password", "Client Secret"),
        (
            {
                "login": "someone",
                "password": "the-secret-value",
                "extra": {"region": "mars"},
            },
            "extra.region",
            "us, eu",
        ),
        (
            {
                "login": "someone",
                "password": "the-secret-value",
                "extra": {"region": "eu"},
            },
            "host",
            "API base URL",
        ),
        (
            {
                "login": "someone",
                "password": "the-secret-value",
                "host": "http://api.example.com/v3",
            },
            "host",
            "https://",
        ),
        (
            {
                "login": "someone",
                "password": "the-secret-value",
                "extra": {"auth_url": "ftp://auth.example.com"},
            },
            "extra.auth_url",
            "Authorization URL",
        ),
        (
            {
                "login": "someone",
                "password": "the-secret-value",
                "extra": {"audience": 7},
            },
            "extra.audience",
            "must be text",
        ),
    ],
)
def test_bad_connection_names_the_field_and_hides_the_secret(
    monkeypatch: pytest.MonkeyPatch, fields: dict, setting: str, hint: str
) -> None:
    _use(monkeypatch, json.dumps({"conn_type": "vision", **fields}), "vision_bad")

    with pytest.raises(VisionConfigError) as caught:
        _ = VisionHook(vision_conn_id="vision_bad").settings

    assert caught.value.setting == setting
    message = str(caught.value)
    assert "'vision_bad'" in message
    assert hint in message
    assert "the-secret-value" not in message


def test_test_connection_reports_success_without_secrets(
    emulator: VisionEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in connection_env(emulator).items():
        monkeypatch.setenv(name, value)

    ok, message = VisionHook().test_connection()

    assert ok, message
    assert emulator.client_id in message
    assert emulator.token_requests() == 1
    for secret in [emulator.client_secret, *emulator.issued_tokens()]:
        assert secret not in message


def test_test_connection_reports_a_refused_grant(
    emulator: VisionEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = connection_env(emulator, client_secret="not-the-right-secret")
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    ok, message = VisionHook().test_connection()

    assert not ok
    assert "refused" in message
    assert emulator.client_id in message
    assert "not-the-right-secret" not in message


def test_airflow_stores_step_aside_outside_a_task(
    emulator: VisionEmulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for name, value in connection_env(emulator).items():
        monkeypatch.setenv(name, value)
    hook = VisionHook()
    token = hook.get_token()
    stores = [XComTokenStore(hook.settings), VariableTokenStore(hook.settings)]

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        for store in stores:
            store.store(token)
            assert store.load() is None
            store.discard(token)

    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert stores[0].key == stores[1].key == f"vision_token_{hook.settings.cache_key}"
