"""The provider as Airflow discovers it, and the form its UI receives."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from vision_integrations.airflow import VisionHook
from vision_integrations.airflow.provider_info import get_provider_info


def test_provider_info_imports_nothing_from_airflow() -> None:
    code = (
        "import sys\n"
        "from vision_integrations.airflow.provider_info import get_provider_info\n"
        "info = get_provider_info()\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'airflow')\n"
        "print(info['package-name'], loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "vision-integrations []"


# 3.3 deprecates ProvidersManager.hooks in favour of a task-SDK twin that 3.1
# lacks; the API server still uses it, so it is what is checked here.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_providers_manager_discovers_the_vision_provider() -> None:
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    assert "vision-integrations" in manager.providers
    hook_info = manager.hooks["vision"]
    assert hook_info is not None
    assert hook_info.hook_class_name == "vision_integrations.airflow.hook.VisionHook"
    assert hook_info.connection_id_attribute_name == "vision_conn_id"


_FORM_DATA = """
import json
from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService
for meta in HookMetaService.hook_meta_data():
    if meta.connection_type == "vision":
        print("FORM " + json.dumps(meta.model_dump(mode="json")))
"""


def test_ui_form_metadata_for_the_vision_connection_type() -> None:
    # A fresh process, like an API server: on Airflow 3.1 a providers manager
    # set up earlier without the form libraries keeps no form for any hook.
    done = subprocess.run(
        [sys.executable, "-c", _FORM_DATA],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    [line] = [x for x in done.stdout.splitlines() if x.startswith("FORM ")]
    meta = json.loads(line[len("FORM ") :])
    assert meta["hook_name"] == "Truepic Vision"
    assert meta["hook_class_name"] == "vision_integrations.airflow.hook.VisionHook"

    standard = meta["standard_fields"]
    assert standard["login"]["title"] == "Client ID"
    assert standard["password"]["title"] == "Client Secret"
    assert standard["host"]["title"] == "API base URL"
    assert standard["host"]["placeholder"] == "https://vision-api.truepic.com/v3"
    assert standard["port"]["hidden"] is True
    assert standard["url_schema"]["hidden"] is True

    extra = meta["extra_fields"]
    assert set(extra) == {"region", "auth_url", "audience"}
    region = extra["region"]
    assert region["schema"]["enum"] == ["us", "eu"]
    assert region["value"] == "us"
    assert region["schema"]["title"] == "Region"
    for name in ("auth_url", "audience"):
        assert extra[name]["schema"]["type"] == ["string", "null"]
        assert extra[name]["description"]


def test_non_secret_fields_are_not_masked_by_name() -> None:
    from airflow.sdk._shared.secrets_masker import should_hide_value_for_key

    connection_type = get_provider_info()["connection-types"][0]
    for name in connection_type["conn-fields"]:
        assert not should_hide_value_for_key(name), name


def test_hook_declares_the_usual_attributes() -> None:
    assert VisionHook.conn_name_attr == "vision_conn_id"
    assert VisionHook.default_conn_name == "vision_default"
    assert VisionHook.conn_type == "vision"
    assert VisionHook.hook_name == "Truepic Vision"
    assert VisionHook().vision_conn_id == "vision_default"


def test_hook_methods_describe_the_same_form_for_airflow_3_1() -> None:
    # The widgets themselves are checked through the form data above, which
    # Airflow 3.1 builds from get_connection_form_widgets().
    behaviour = VisionHook.get_ui_field_behaviour()
    declared = get_provider_info()["connection-types"][0]["ui-field-behaviour"]
    assert behaviour["hidden_fields"] == declared["hidden-fields"]
    assert behaviour["relabeling"] == declared["relabeling"]
    assert behaviour["placeholders"] == declared["placeholders"]
