"""The tasks, async use, and the lock's fallback, inside real flow runs."""

from __future__ import annotations

import logging
import socket
import uuid
from typing import Any

import anyio.to_thread
import pytest
from prefect import flow
from prefect.settings import PREFECT_API_URL, temporary_settings

from vision_integrations import VisionAPIError, VisionConfigError
from vision_integrations.prefect import (
    BlockStateStore,
    GlobalConcurrencyLock,
    VisionCredentials,
    block_state,
    call_vision_api,
    collect_vision_items,
)
from vision_integrations.prefect import lock as lock_module
from vision_integrations.testing import VisionEmulator

from ._helpers import credentials_for, save_block

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_tasks_return_api_data(vision_emulator: VisionEmulator) -> None:
    name, _ = save_block(vision_emulator)

    @flow
    def use_tasks(block_name: str) -> tuple[Any, list[dict[str, Any]]]:
        credentials = VisionCredentials.load(block_name)
        one = call_vision_api(credentials, "inspections/3")
        some = collect_vision_items(
            credentials,
            "inspections",
            params={"sort[created_at]": "desc"},
            page_size=7,
            max_items=20,
        )
        return one, some

    one, some = use_tasks(name)

    assert one["result"]["id"] == 3
    assert len(some) == 20
    created = [item["created_at"] for item in some]
    assert created == sorted(created, reverse=True)
    assert vision_emulator.token_requests() == 1
    # 1 call + 3 pages of 7 for 20 items.
    assert vision_emulator.api_calls(authorized=True) == 4


def test_call_task_posts_json_and_raises_api_errors(
    vision_emulator: VisionEmulator,
) -> None:
    credentials = credentials_for(vision_emulator)

    @flow
    def post_then_fail() -> Any:
        created = call_vision_api(
            credentials, "inspections", method="post", json={"title": "From a flow"}
        )
        call_vision_api(credentials, "inspections/999999")
        return created

    with pytest.raises(VisionAPIError) as caught:
        post_then_fail()
    assert caught.value.status_code == 404


def test_collect_task_rejects_bad_paging(vision_emulator: VisionEmulator) -> None:
    credentials = credentials_for(vision_emulator)

    @flow
    def bad(page_size: int, max_items: int | None) -> Any:
        return collect_vision_items(
            credentials, "inspections", page_size=page_size, max_items=max_items
        )

    with pytest.raises(VisionConfigError, match="page_size"):
        bad(101, None)
    with pytest.raises(VisionConfigError, match="max_items"):
        bad(10, -1)
    assert vision_emulator.token_requests() == 0


def test_async_flow_gets_a_session_without_blocking_its_loop(
    vision_emulator: VisionEmulator,
) -> None:
    name, _ = save_block(vision_emulator)

    @flow
    async def async_use(block_name: str) -> int:
        credentials = await VisionCredentials.aload(block_name)
        session = await credentials.aget_session()
        with session:
            response = await anyio.to_thread.run_sync(session.get, "inspections")
        return int(response.json()["totalResults"])

    assert anyio.run(async_use, name) > 0
    assert vision_emulator.token_requests() == 1


def test_sync_task_in_an_async_flow_reuses_the_token(
    vision_emulator: VisionEmulator,
) -> None:
    name, _ = save_block(vision_emulator)

    @flow
    async def mixed(block_name: str) -> list[Any]:
        credentials = await VisionCredentials.aload(block_name)
        futures = call_vision_api.map(
            [credentials] * 4, [f"inspections/{n}" for n in range(1, 5)]
        )
        return [future.result()["result"]["id"] for future in futures]

    assert anyio.run(mixed, name) == [1, 2, 3, 4]
    assert vision_emulator.token_requests() == 1


@pytest.fixture
def fresh_lock_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let this test see the lock's first-use behaviour in this process."""
    monkeypatch.setattr(lock_module, "_warned", False)
    monkeypatch.setattr(lock_module, "_unusable", set())
    monkeypatch.setattr(lock_module, "_ready", set())


@pytest.fixture
def unused_tcp_port() -> int:
    """Return a loopback port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.usefixtures("fresh_lock_state")
def test_lock_without_an_api_warns_once_and_lets_callers_through(
    caplog: pytest.LogCaptureFixture, unused_tcp_port: int
) -> None:
    entered = 0
    with temporary_settings(
        {PREFECT_API_URL: f"http://127.0.0.1:{unused_tcp_port}/api"}
    ):
        for suffix in ("a", "b", "c"):
            lock = GlobalConcurrencyLock(f"vision-token-test{suffix}", wait_seconds=5)
            with caplog.at_level(logging.WARNING, logger=lock_module.__name__):
                with lock.hold():
                    entered += 1
                with lock.hold():
                    entered += 1

    assert entered == 6
    warnings = [r for r in caplog.records if r.name == lock_module.__name__]
    assert len(warnings) == 1
    assert "unavailable" in warnings[0].getMessage()


def test_lock_passes_errors_of_its_body_through(
    vision_emulator: VisionEmulator,
) -> None:
    lock = GlobalConcurrencyLock(
        f"vision-token-body-{uuid.uuid4().hex[:8]}", wait_seconds=30
    )
    with pytest.raises(KeyError), lock.hold():
        raise KeyError("from the body")
    # The slot was released: taking it again does not wait.
    with lock.hold():
        pass


@pytest.mark.usefixtures("fresh_lock_state")
def test_block_state_without_an_api_reads_empty_and_warns_once(
    vision_emulator: VisionEmulator,
    caplog: pytest.LogCaptureFixture,
    unused_tcp_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, loaded = save_block(vision_emulator)
    monkeypatch.setattr(block_state, "_warned_documents", set())
    document_id = loaded._block_document_id
    assert document_id is not None
    store = BlockStateStore(loaded.get_settings(), document_id)

    with (
        temporary_settings(
            {PREFECT_API_URL: f"http://127.0.0.1:{unused_tcp_port}/api"}
        ),
        caplog.at_level(logging.DEBUG),
    ):
        assert store.load() is None
        assert store.read_record() is None
        with loaded.get_session() as session:
            assert session.get("inspections").status_code == 200

    # One warning from the store and one from the lock, however many reads,
    # writes and lock attempts failed.
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert sorted(r.name for r in warnings) == [
        "vision_integrations.prefect.block_state",
        "vision_integrations.prefect.lock",
    ], [r.getMessage() for r in warnings]
    assert vision_emulator.client_secret not in caplog.text
