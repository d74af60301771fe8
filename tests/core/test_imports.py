"""What importing the package costs: nothing heavy until a name is used."""

from __future__ import annotations

import subprocess
import sys

import vision_integrations


def _modules_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_the_provider_description_loads_no_http_crypto_or_host() -> None:
    loaded = _modules_after("import vision_integrations.airflow.provider_info")
    assert not loaded & {"requests", "cryptography", "filelock", "airflow"}


def test_every_public_name_resolves() -> None:
    for name in vision_integrations.__all__:
        assert getattr(vision_integrations, name) is not None
    assert "VisionSession" in dir(vision_integrations)
