"""Helpers shared by the Prefect tests: blocks on the emulator, subprocesses."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client

from vision_integrations import AccessToken, TokenSealer
from vision_integrations.prefect import VisionCredentials
from vision_integrations.prefect.block_state import TOKEN_FIELD
from vision_integrations.testing import VisionEmulator

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_FLOWS = REPO / "example_flows"
HERE = Path(__file__).resolve().parent

# Bounds one flow-run subprocess, so a hang fails the test instead of CI.
SUBPROCESS_TIMEOUT_SECONDS = 240


def credentials_for(emulator: VisionEmulator) -> VisionCredentials:
    """Return unsaved credentials for the emulator's default client."""
    return VisionCredentials(
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
        auth_url=emulator.auth_url,
        audience=emulator.audience,
        api_base_url=emulator.api_base_url,
    )


def save_block(emulator: VisionEmulator) -> tuple[str, VisionCredentials]:
    """Save credentials for the emulator under a fresh name; load them back."""
    name = f"vision-{uuid.uuid4().hex[:12]}"
    credentials_for(emulator).save(name)
    return name, VisionCredentials.load(name)


def block_data(block_document_id: UUID | None, *, secrets: bool) -> dict[str, Any]:
    """Read a block document's data from the API, with or without secrets."""
    assert block_document_id is not None
    with get_client(sync_client=True) as client:
        document = client.read_block_document(
            block_document_id, include_secrets=secrets
        )
    return dict(document.data)


def stored_token(credentials: VisionCredentials) -> AccessToken | None:
    """Open the token the API holds for a saved block, as a new run would."""
    record = block_data(credentials._block_document_id, secrets=True).get(TOKEN_FIELD)
    return TokenSealer(credentials.get_settings()).unseal(record)


def run_python(
    script: Path, env: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run `script` in a new interpreter; fail with its output if it fails."""
    done = subprocess.run(
        [sys.executable, str(script)],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{script.name} exited with {done.returncode}\n"
            f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
        )
    return done
