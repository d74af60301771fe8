"""The VisionCredentials block against a real Prefect API and the emulator."""

from __future__ import annotations

import logging
import subprocess
import sys
from importlib import resources
from importlib.metadata import entry_points

import pytest
from prefect.blocks.core import Block
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import BlockDocumentUpdate
from prefect.testing.standard_test_suites import BlockStandardTestSuite
from pydantic import SecretStr

from vision_integrations import FileTokenCache, MemoryTokenCache
from vision_integrations.prefect import BlockStateStore, VisionCredentials
from vision_integrations.prefect.block_state import TOKEN_FIELD
from vision_integrations.prefect.lock import lock_name_for
from vision_integrations.testing import VisionEmulator

from ._api import PrefectAPI
from ._helpers import block_data, credentials_for, save_block, stored_token

pytestmark = pytest.mark.usefixtures("prefect_api")


class TestStandardSuite(BlockStandardTestSuite):
    """Prefect's own checks for a well-formed block type."""

    @pytest.fixture
    def block(self) -> type[Block]:
        return VisionCredentials

    def test_has_a_valid_image(self, block: type[Block]) -> None:
        # The suite's version downloads `_logo_url`, and these tests run
        # offline; check the square image shipped for that URL instead.
        image = pytest.importorskip("PIL.Image")
        logo = resources.files("vision_integrations.prefect") / "logo.png"
        with logo.open("rb") as handle, image.open(handle) as picture:
            assert picture.width == picture.height
            assert 45 < picture.width < 1000


def test_block_type_identity_and_form() -> None:
    schema = VisionCredentials.model_json_schema()

    assert VisionCredentials.get_block_type_slug() == "vision-credentials"
    assert VisionCredentials.get_block_type_name() == "Truepic Vision Credentials"
    assert list(schema["properties"]) == [
        "client_id",
        "client_secret",
        "region",
        "auth_url",
        "audience",
        "api_base_url",
    ]
    assert schema["properties"]["client_secret"]["format"] == "password"
    assert schema["properties"]["region"]["enum"] == ["us", "eu"]
    assert schema["required"] == ["client_id", "client_secret"]
    # The token field is hidden from the form but still a secret field, so
    # the server obfuscates it for readers without secrets.
    assert TOKEN_FIELD in VisionCredentials.model_fields
    assert TOKEN_FIELD not in schema["properties"]
    assert sorted(schema["secret_fields"]) == ["client_secret", TOKEN_FIELD]


def test_collection_entry_point_names_the_module() -> None:
    found = {
        point.name: point.value
        for point in entry_points(group="prefect.collections")
        if point.value.startswith("vision_integrations")
    }
    assert found == {"vision_integrations": "vision_integrations.prefect"}


def test_cli_registers_the_block_type(
    prefect_api: PrefectAPI, flow_env: dict[str, str]
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "prefect",
            "block",
            "register",
            "-m",
            "vision_integrations.prefect",
        ],
        env=flow_env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Truepic Vision Credentials" in done.stdout

    with get_client(sync_client=True) as client:
        block_type = client.read_block_type_by_slug("vision-credentials")
    assert block_type.name == "Truepic Vision Credentials"
    assert str(block_type.documentation_url).startswith("https://")
    assert "VisionCredentials.load(" in (block_type.code_example or "")


def test_save_load_round_trip_keeps_secrets_opaque(
    vision_emulator: VisionEmulator,
) -> None:
    name, loaded = save_block(vision_emulator)

    assert loaded.client_id == vision_emulator.client_id
    assert loaded.client_secret.get_secret_value() == vision_emulator.client_secret
    assert loaded.region == "us"
    assert loaded.api_base_url == vision_emulator.api_base_url
    assert loaded._block_document_name == name
    assert vision_emulator.client_secret not in repr(loaded)
    assert vision_emulator.client_secret not in str(loaded.model_dump(mode="json"))


def test_token_is_written_to_block_state_sealed(
    vision_emulator: VisionEmulator,
) -> None:
    _, loaded = save_block(vision_emulator)
    with loaded.get_session() as session:
        assert session.get("inspections").status_code == 200

    [issued] = vision_emulator.issued_tokens()
    hidden = block_data(loaded._block_document_id, secrets=False)
    assert hidden["client_secret"] == "********"
    assert hidden[TOKEN_FIELD] == "********"

    raw = block_data(loaded._block_document_id, secrets=True)[TOKEN_FIELD]
    assert raw.startswith("vst1.")
    assert issued not in raw
    token = stored_token(loaded)
    assert token is not None
    assert token.value == issued


def test_new_session_reuses_the_block_state_token_without_local_caches(
    vision_emulator: VisionEmulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    _, loaded = save_block(vision_emulator)
    monkeypatch.setenv("VISION_CACHE_DIR", str(tmp_path_factory.mktemp("first")))
    with loaded.get_session() as session:
        session.get("inspections").raise_for_status()

    # Another "process": an empty memory slot (another client object with a
    # fresh identity is not possible, so clear the slot) and another cache dir.
    from vision_integrations import caches

    monkeypatch.setattr(caches, "_slots", {})
    monkeypatch.setenv("VISION_CACHE_DIR", str(tmp_path_factory.mktemp("second")))
    again = VisionCredentials.load(loaded._block_document_name or "")
    with again.get_session() as session:
        session.get("inspections").raise_for_status()

    assert vision_emulator.token_requests() == 1


def test_saved_block_uses_memory_file_and_block_state_in_that_order(
    vision_emulator: VisionEmulator,
) -> None:
    _, loaded = save_block(vision_emulator)
    with loaded.get_session() as session:
        kinds = [type(cache) for cache in session.manager.caches]
    assert kinds == [MemoryTokenCache, FileTokenCache, BlockStateStore]


def test_unsaved_block_uses_local_caches_quietly(
    vision_emulator: VisionEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    credentials = credentials_for(vision_emulator)
    caplog.set_level(logging.DEBUG)

    for _ in range(2):
        with credentials.get_session() as session:
            assert [type(c) for c in session.manager.caches] == [
                MemoryTokenCache,
                FileTokenCache,
            ]
            assert session.get("inspections").status_code == 200

    assert vision_emulator.token_requests() == 1
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_file_cache_can_be_turned_off_per_host(
    vision_emulator: VisionEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VISION_FILE_CACHE", "0")
    with credentials_for(vision_emulator).get_session() as session:
        assert [type(c) for c in session.manager.caches] == [MemoryTokenCache]


def test_secret_changed_meanwhile_survives_the_token_write_back(
    vision_emulator: VisionEmulator,
) -> None:
    name, stale = save_block(vision_emulator)

    # A person rotates the secret in the UI while a run holds the old copy.
    rotated = VisionCredentials.load(name)
    rotated.client_secret = SecretStr("rotated-secret-value")
    rotated.save(name, overwrite=True)

    # The vendor still accepts the old secret during the rotation, so the run
    # gets a token and writes it back.
    with stale.get_session() as session:
        assert session.get("inspections").status_code == 200
    assert vision_emulator.token_requests() == 1

    stored = block_data(stale._block_document_id, secrets=True)
    assert stored["client_secret"] == "rotated-secret-value"
    assert stored[TOKEN_FIELD].startswith("vst1.")
    # Sealed with the old secret, the token does not open for the new one:
    # a run with the new secret fetches its own instead of using it.
    assert stored_token(VisionCredentials.load(name)) is None


def test_write_back_leaves_every_other_field_alone(
    vision_emulator: VisionEmulator,
) -> None:
    _name, stale = save_block(vision_emulator)
    with get_client(sync_client=True) as client:
        client.update_block_document(
            stale._block_document_id,  # type: ignore[arg-type]
            BlockDocumentUpdate(
                data={"api_base_url": vision_emulator.api_base_url + "/"},
                merge_existing_data=True,
            ),
        )

    with stale.get_session() as session:
        session.get("inspections").raise_for_status()

    stored = block_data(stale._block_document_id, secrets=True)
    assert stored["api_base_url"] == vision_emulator.api_base_url + "/"
    assert stored["client_secret"] == vision_emulator.client_secret


def test_revoked_token_is_replaced_with_exactly_one_more_request(
    vision_emulator: VisionEmulator,
) -> None:
    _, loaded = save_block(vision_emulator)
    with loaded.get_session() as session:
        session.get("inspections").raise_for_status()
        [first] = vision_emulator.issued_tokens()

        assert vision_emulator.revoke() == 1
        response = session.get("inspections")

    assert response.status_code == 200
    assert vision_emulator.token_requests() == 2
    [_, second] = vision_emulator.issued_tokens()
    assert second != first
    kept = stored_token(loaded)
    assert kept is not None
    assert kept.value == second


def test_token_lock_is_created_once_as_a_limit_of_one(
    vision_emulator: VisionEmulator,
) -> None:
    _, loaded = save_block(vision_emulator)
    with loaded.get_session() as session:
        session.get("inspections").raise_for_status()

    name = lock_name_for(loaded.get_settings())
    assert name.startswith("vision-token-")
    assert vision_emulator.client_secret not in name
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(name)
    assert limit.limit == 1
    assert limit.active
    assert limit.active_slots == 0


def test_from_env_builds_unsaved_credentials(
    vision_env: dict[str, str],
) -> None:
    credentials = VisionCredentials.from_env()
    assert credentials._block_document_id is None
    assert credentials.client_id == vision_env["VISION_CLIENT_ID"]
    assert credentials.auth_url == vision_env["VISION_AUTH_URL"]
    with credentials.get_session() as session:
        assert session.get("inspections").status_code == 200
