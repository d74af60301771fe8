"""Test the `vision-integrations` command against the emulator, in and out of process.

`demo` installs Airflow and Prefect, so it runs in its own nox session, not
here; its help text is checked like the others.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vision_integrations.cli import main
from vision_integrations.testing import VisionEmulator


# Short names for the package's own pytest fixtures.
@pytest.fixture
def emu(vision_emulator: VisionEmulator) -> VisionEmulator:
    return vision_emulator


@pytest.fixture
def env(vision_env: dict[str, str]) -> dict[str, str]:
    return vision_env


def assert_no_secret(emu: VisionEmulator, text: str) -> None:
    assert emu.client_secret not in text
    for token in emu.issued_tokens():
        assert token not in text
        assert token.split(".")[-1] not in text  # not even the signature


def test_check_fetches_then_reuses_and_shows_no_secret(emu, env, capsys):
    assert main(["check"]) == 0
    first = capsys.readouterr()

    assert "fetched just now from the token endpoint" in first.out
    assert "Audience      https://vision-api.truepic.com" in first.out
    assert "UTC (in 71 h 59 min)" in first.out or "UTC (in 72 h 00 min)" in first.out
    assert f"GET {emu.api_base_url}/ -> HTTP 200 (Vision API is online)" in first.out
    assert emu.token_requests() == 1
    assert emu.api_calls(authorized=True) == 1
    assert_no_secret(emu, first.out + first.err)

    # A second process would find the sealed file; the memory slot is per
    # process, so here the memory cache answers first.
    assert main(["check", "--no-api"]) == 0
    second = capsys.readouterr()
    assert "reused from the memory cache" in second.out
    assert emu.token_requests() == 1
    assert emu.api_calls() == 1  # --no-api made no call
    assert_no_secret(emu, second.out + second.err)


def test_check_in_a_new_process_reports_the_file_cache(emu, env):
    command = [sys.executable, "-m", "vision_integrations.cli", "check", "-v"]
    runs = [
        subprocess.run(
            command, capture_output=True, text=True, timeout=60, env=os.environ
        )
        for _ in range(2)
    ]

    assert [run.returncode for run in runs] == [0, 0]
    assert "fetched just now" in runs[0].stdout
    cache_file = next(Path(env["VISION_CACHE_DIR"]).glob("*.token"))
    assert f"reused from the file cache ({cache_file})" in runs[1].stdout
    fingerprints = {
        line.split()[-1]
        for run in runs
        for line in run.stdout.splitlines()
        if line.strip().startswith("fingerprint")
    }
    assert len(fingerprints) == 1
    assert emu.token_requests() == 1
    assert "Obtained a Vision access token" in runs[0].stderr  # -v logs provenance
    for run in runs:
        assert_no_secret(emu, run.stdout + run.stderr)


def test_missing_client_id_is_a_usage_error_naming_it(env, monkeypatch, capsys):
    monkeypatch.delenv("VISION_CLIENT_ID")

    assert main(["check"]) == 2

    err = capsys.readouterr().err
    assert "VISION_CLIENT_ID" in err
    assert env["VISION_CLIENT_SECRET"] not in err


def test_eu_without_urls_is_a_usage_error_naming_them(monkeypatch, capsys, tmp_path):
    for name in list(os.environ):
        if name.startswith("VISION_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("VISION_CLIENT_ID", "someone")
    monkeypatch.setenv("VISION_CLIENT_SECRET", "a-secret-that-must-not-show")
    monkeypatch.setenv("VISION_REGION", "eu")
    monkeypatch.setenv("VISION_CACHE_DIR", str(tmp_path))

    assert main(["check"]) == 2

    err = capsys.readouterr().err
    for variable in ("VISION_AUTH_URL", "VISION_AUDIENCE", "VISION_API_BASE_URL"):
        assert variable in err
    assert "a-secret-that-must-not-show" not in err


def test_refused_credentials_fail_with_the_server_reason(emu, env, monkeypatch, capsys):
    monkeypatch.setenv("VISION_CLIENT_SECRET", "wrong-secret-value")

    assert main(["check"]) == 1

    captured = capsys.readouterr()
    assert "credentials refused: access_denied: Unauthorized" in captured.err
    assert "HTTP 401" in captured.err
    assert repr(emu.client_id) in captured.err
    assert emu.token_requests() == 1
    assert "wrong-secret-value" not in captured.out + captured.err
    assert_no_secret(emu, captured.out + captured.err)


def test_api_refusing_the_token_is_a_runtime_failure(emu, env, monkeypatch, capsys):
    # Another emulator signs with another key, so it refuses every token.
    with VisionEmulator() as other:
        monkeypatch.setenv("VISION_API_BASE_URL", other.api_base_url)

        assert main(["check"]) == 1

        captured = capsys.readouterr()
        assert "the API answered HTTP 401" in captured.err
        assert other.api_calls(authorized=False) == 2  # the call and one retry
    assert emu.token_requests() == 2  # one refresh after the 401, no loop
    assert_no_secret(emu, captured.out + captured.err)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "check"),
        (["check"], "--no-api"),
        (["demo"], "--environments DIR"),
        (["emulator"], "--port"),
    ],
)
def test_help_of_each_command(capsys, argv, expected):
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])

    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert expected in out
    assert "usage:" in out


def test_no_command_prints_help_and_is_a_usage_error(capsys):
    assert main([]) == 2
    assert "commands:" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
