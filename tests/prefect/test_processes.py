"""Flow runs in separate processes share one token through the block state.

Each process gets its own `VISION_CACHE_DIR`, so only the saved block (and
the lock beside it) can carry the token from one to another. The emulator
runs in this process and counts every token request.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import FlowRun, Log, StateType
from prefect.logging.handlers import APILogHandler

from vision_integrations.prefect.lock import lock_name_for
from vision_integrations.testing import TokenFault, VisionEmulator

from ._api import PrefectAPI
from ._block_parameter_flow import block_as_parameter
from ._helpers import (
    EXAMPLE_FLOWS,
    HERE,
    SUBPROCESS_TIMEOUT_SECONDS,
    block_data,
    run_python,
    save_block,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_api")]

COLD_START_PEERS = 4
# Every token request of a cold start is answered this much later, so the
# processes are certain to overlap while one of them fetches.
SLOW_TOKEN_SECONDS = 2.0
# Task runs reach the API through events; give the server time to record them.
RECORDING_WAIT_SECONDS = 30
LOG_PAGE = 200


def flow_runs_for_block(block_name: str) -> list[FlowRun]:
    """Return the flow runs whose `block_name` parameter names this block."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(limit=200)
    return [run for run in runs if run.parameters.get("block_name") == block_name]


def read_all_logs(flow_run_ids: list[UUID]) -> list[Log]:
    """Return every log line of these flow runs, once our library's are in."""
    deadline = time.monotonic() + RECORDING_WAIT_SECONDS
    while True:
        logs: list[Log] = []
        with get_client(sync_client=True) as client:
            while True:
                page = client.read_logs(
                    LogFilter(flow_run_id=LogFilterFlowRunId(any_=flow_run_ids)),
                    limit=LOG_PAGE,
                    offset=len(logs),
                )
                logs += page
                if len(page) < LOG_PAGE:
                    break
        library = any(log.name.startswith("vision_integrations") for log in logs)
        if library or time.monotonic() > deadline:
            return logs
        time.sleep(0.5)


def count_task_runs(flow_run_ids: list[UUID], expected: int) -> int:
    """Count completed task runs of these flow runs, waiting for `expected`."""
    deadline = time.monotonic() + RECORDING_WAIT_SECONDS
    while True:
        with get_client(sync_client=True) as client:
            task_runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=flow_run_ids)),
                limit=200,
            )
        done = [run for run in task_runs if run.state_type == StateType.COMPLETED]
        if len(done) >= expected or time.monotonic() > deadline:
            return len(done)
        time.sleep(0.5)


def test_three_flow_runs_in_three_processes_fetch_one_token(
    vision_emulator: VisionEmulator, flow_env: dict[str, str], tmp_path: Path
) -> None:
    name, _ = save_block(vision_emulator)
    plan = [
        ("vision_recent_inspections.py", {}),
        ("vision_fan_out.py", {"VISION_FAN_OUT": "24"}),
        ("vision_recent_inspections.py", {"VISION_INSPECTIONS_MAX": "30"}),
    ]
    outputs = []
    started = time.monotonic()
    for index, (script, extra) in enumerate(plan):
        output = tmp_path / f"inspections-{index}.jsonl"
        outputs.append(output)
        env = {
            **flow_env,
            **extra,
            "VISION_BLOCK_NAME": name,
            "VISION_CACHE_DIR": str(tmp_path / f"cache-{index}"),
            "VISION_INSPECTIONS_OUT": str(output),
        }
        done = run_python(EXAMPLE_FLOWS / script, env, tmp_path)
        if script == "vision_fan_out.py":
            assert "24 task runs read inspections with 1 distinct token(s)" in (
                done.stdout + done.stderr
            )
    elapsed = time.monotonic() - started

    assert vision_emulator.token_requests() == 1

    first = [json.loads(line) for line in outputs[0].read_text().splitlines()]
    third = [json.loads(line) for line in outputs[2].read_text().splitlines()]
    assert len(first) == 57  # everything the emulator holds (fewer than 100)
    assert third == first[:30]
    assert [item["created_at"] for item in first] == sorted(
        (item["created_at"] for item in first), reverse=True
    )

    runs = flow_runs_for_block(name)
    assert len(runs) == 3
    assert all(run.state_type == StateType.COMPLETED for run in runs)
    # collect + write, collect + 24 reads, collect + write
    task_runs = count_task_runs([run.id for run in runs], expected=29)
    assert task_runs == 29
    print(
        f"\n[figures] 3 flow runs in 3 processes, {task_runs} task runs, "
        f"{vision_emulator.api_calls(authorized=True)} API calls, "
        f"{vision_emulator.token_requests()} token request(s), {elapsed:.1f} s"
    )


def start_cold(
    emulator: VisionEmulator,
    flow_env: dict[str, str],
    tmp_path: Path,
    *,
    lock: bool,
) -> list[str]:
    """Start the cold-start flow in several processes at once; return prints."""
    name, loaded = save_block(emulator)
    emulator.script_token_responses(
        *[TokenFault.delay(SLOW_TOKEN_SECONDS)] * COLD_START_PEERS
    )
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    processes = []
    for index in range(COLD_START_PEERS):
        env = {
            **flow_env,
            "VISION_BLOCK_NAME": name,
            "VISION_CACHE_DIR": str(tmp_path / f"cache-{index}"),
            "COLD_START_BARRIER": str(barrier),
            "COLD_START_PEERS": str(COLD_START_PEERS),
            "COLD_START_NO_LOCK": "0" if lock else "1",
            "COLD_START_LOCK_NAME": lock_name_for(loaded.get_settings()),
        }
        processes.append(
            subprocess.Popen(
                [sys.executable, str(HERE / "cold_start_flow.py")],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    fingerprints = []
    for process in processes:
        output, _ = process.communicate(timeout=SUBPROCESS_TIMEOUT_SECONDS)
        assert process.returncode == 0, output[-4000:]
        print("\n".join(line for line in output.splitlines() if "SECONDS_TO" in line))
        # stderr shares the pipe, so a log line may land on the same line.
        fingerprints += re.findall(r"FINGERPRINT ([0-9a-f]{12})\b", output)
    assert len(fingerprints) == COLD_START_PEERS
    return fingerprints


def test_concurrent_cold_starts_fetch_one_token(
    vision_emulator: VisionEmulator, flow_env: dict[str, str], tmp_path: Path
) -> None:
    started = time.monotonic()
    fingerprints = start_cold(vision_emulator, flow_env, tmp_path, lock=True)

    assert vision_emulator.token_requests() == 1
    assert len(set(fingerprints)) == 1
    print(
        f"\n[figures] {COLD_START_PEERS} concurrent cold starts with the lock: "
        f"{vision_emulator.token_requests()} token request(s), "
        f"{time.monotonic() - started:.1f} s"
    )


def test_concurrent_cold_starts_without_the_lock_fetch_more(
    vision_emulator: VisionEmulator, flow_env: dict[str, str], tmp_path: Path
) -> None:
    # The control for the test above: the same start with the lock switched
    # off shows that the block state alone does not single-flight fetches.
    start_cold(vision_emulator, flow_env, tmp_path, lock=False)

    assert vision_emulator.token_requests() > 1
    print(
        f"\n[figures] {COLD_START_PEERS} concurrent cold starts without the "
        f"lock: {vision_emulator.token_requests()} token request(s)"
    )


def test_no_token_or_secret_in_api_views_server_files_or_logs(
    vision_emulator: VisionEmulator,
    flow_env: dict[str, str],
    prefect_api: PrefectAPI,
    tmp_path: Path,
) -> None:
    name, loaded = save_block(vision_emulator)

    # A flow run in another process, with our library's debug logs sent to
    # the API as well.
    env = {
        **flow_env,
        "VISION_BLOCK_NAME": name,
        "VISION_FAN_OUT": "8",
        "VISION_CACHE_DIR": str(tmp_path / "cache-sub"),
    }
    child = run_python(EXAMPLE_FLOWS / "vision_fan_out.py", env, tmp_path)

    # A flow run here that takes the block itself as a parameter, and meets
    # a revoked token, so a second token and the 401 path are covered too.
    marker = f"leak-scan-{uuid.uuid4().hex[:8]}"
    block_as_parameter.with_options(name=marker)(loaded, vision_emulator.url)
    APILogHandler().flush()

    needles = {f"token {n}": t for n, t in enumerate(vision_emulator.issued_tokens())}
    needles["client secret"] = vision_emulator.client_secret
    assert len(needles) == 3  # two tokens and the secret

    scanned: dict[str, str] = {}

    # The API's view of the block, as the UI reads it (without secrets).
    scanned["block document (API, without secrets)"] = json.dumps(
        block_data(loaded._block_document_id, secrets=False)
    )

    # Flow run records, parameters included, and every log line of the runs.
    with get_client(sync_client=True) as client:
        runs = [
            *client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[marker]))
            ),
            *flow_runs_for_block(name),
        ]
        run_ids = [run.id for run in runs]
        logs = read_all_logs(run_ids)
    scanned["flow runs (API, parameters included)"] = json.dumps(
        [run.model_dump(mode="json") for run in runs]
    )
    scanned["run logs (API)"] = "\n".join(log.message for log in logs)
    scanned["subprocess output"] = child.stdout + child.stderr

    # The server's files: its SQLite database (with journal files) and
    # everything under PREFECT_HOME, as raw bytes.
    server_files = [
        path
        for path in [
            *prefect_api.database.parent.glob(prefect_api.database.name + "*"),
            *prefect_api.home.rglob("*"),
        ]
        if path.is_file()
    ]
    raw = b"".join(path.read_bytes() for path in server_files)
    scanned["server files (raw bytes)"] = raw.decode("latin-1")

    # The flow runs' local token cache files and outputs, as raw bytes.
    local_files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.suffix == ".token" for path in local_files)
    scanned["local cache and output files"] = b"".join(
        path.read_bytes() for path in local_files
    ).decode("latin-1")

    for where, text in scanned.items():
        for what, needle in needles.items():
            assert needle not in text, f"{what} found in {where}"

    # The scan looked at real content: plain values are found where expected.
    assert len(runs) == 2
    assert any(log.name.startswith("vision_integrations") for log in logs)
    assert marker.encode() in raw
    assert vision_emulator.client_id in scanned["block document (API, without secrets)"]
    parameters = runs[0].parameters
    assert parameters["credentials"]["client_id"] == vision_emulator.client_id
    assert set(parameters["credentials"]["client_secret"]) == {"*"}
    print(
        f"\n[figures] leak scan: {len(needles)} values (tokens and secret) over "
        f"{len(runs)} flow runs, {len(logs)} log lines, {len(server_files)} "
        f"server files ({len(raw)} bytes), {len(local_files)} local cache and "
        f"output files: none found"
    )
