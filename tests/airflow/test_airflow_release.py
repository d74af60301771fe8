"""One mapped DAG run on the installed Airflow release, in a fresh process.

This is the quick end-to-end check that also runs on the oldest supported
release: the connection from the environment, the provisioning task, mapped
tasks finding the token through Airflow's stores, and the secrets masker.
"""

from __future__ import annotations

from pathlib import Path

from airflow_harness import AirflowDeployment, connection_env

from vision_integrations.testing import VisionEmulator


def test_a_mapped_dag_run_shares_one_token(
    airflow_deployment: AirflowDeployment, tmp_path: Path
) -> None:
    with VisionEmulator() as emulator:
        env = {**connection_env(emulator), "VISION_CACHE_DIR": str(tmp_path)}
        run = airflow_deployment.run_dag("vision_fan_out", env)
        token_requests = emulator.token_requests()
        authorized_calls = emulator.api_calls(authorized=True)
        issued = emulator.issued_tokens()

    assert run.state == "success", run.task_states()
    mapped = [task for task in run.tasks if task["map_index"] >= 0]
    assert len(mapped) == 4
    assert all(task["state"] == "success" for task in run.tasks)
    assert token_requests == 1
    assert authorized_calls == len(mapped)
    assert "4 mapped tasks read 20 inspections using 1 token(s)" in run.output
    assert issued[0] not in run.output
    assert emulator.client_secret not in run.output
