"""One token across tasks, DAG runs, DAGs and processes, in real Airflow.

A module-scoped fixture drives one emulator through five DAG runs, each in a
new process (as on separate workers), then the tests check what happened:

1. `vision_fan_out` (7 task instances, 4 of them mapped), client A, cache
   dir c1: the only token request of client A.
2. `vision_api_calls` (7 task instances, 3 mapped), another DAG, cache dir
   c2 (empty): the token comes from the Airflow Variable store.
3. The Variable is deleted from the database; `vision_fan_out` again with
   cache dir c2: the token comes from the local file cache, and the
   provisioning task writes the Variable back.
4. `vision_recent_inspections`, the connection switched to client B: B gets
   its own token; A's is never offered.
5. `vision_revoke_check`, client A again: every token is revoked mid-run;
   the next API call recovers with exactly one more token request.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from airflow_harness import AIRFLOW_ENV, AirflowDeployment, DagRunResult, connection_env

from vision_integrations.airflow._names import store_key
from vision_integrations.settings import VisionSettings
from vision_integrations.testing import VisionEmulator

pytestmark = pytest.mark.slow

CLIENT_B = ("second-client", "second-client-secret-value")


@dataclass
class Scenario:
    runs: dict[str, DagRunResult] = field(default_factory=dict)
    requests_a: dict[str, int] = field(default_factory=dict)
    requests_b: dict[str, int] = field(default_factory=dict)
    unauthorized_api_calls: int = 0
    variable_back_after_file_hit: bool = False
    issued_tokens: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    export_path: Path | None = None
    work: Path | None = None
    variable_keys: list[str] = field(default_factory=list)


def _variable_rows(database: Path, key: str) -> int:
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT count(*) FROM variable WHERE key = ?", (key,)
        ).fetchone()[0]


@pytest.fixture(scope="module")
def scenario(
    airflow_deployment: AirflowDeployment, tmp_path_factory: pytest.TempPathFactory
) -> Scenario:
    work = tmp_path_factory.mktemp("token-reuse")
    result = Scenario(work=work)
    with VisionEmulator(clients=dict([CLIENT_B])) as emulator:

        def env(cache: str, *client: str) -> dict[str, str]:
            conn = (
                connection_env(emulator, client_id=client[0], client_secret=client[1])
                if client
                else connection_env(emulator)
            )
            return {
                **conn,
                "VISION_CACHE_DIR": str(work / cache),
                "VISION_EMULATOR_URL": emulator.url,
            }

        def record(name: str, run: DagRunResult) -> None:
            result.runs[name] = run
            result.requests_a[name] = emulator.token_requests(emulator.client_id)
            result.requests_b[name] = emulator.token_requests(CLIENT_B[0])

        record("fan_out_1", airflow_deployment.run_dag("vision_fan_out", env("c1")))
        record("api_calls", airflow_deployment.run_dag("vision_api_calls", env("c2")))

        settings_a = VisionSettings.create(
            client_id=emulator.client_id,
            client_secret=emulator.client_secret,
            auth_url=emulator.auth_url,
            audience=emulator.audience,
            api_base_url=emulator.api_base_url,
        )
        key_a = store_key(settings_a)
        with sqlite3.connect(airflow_deployment.database) as db:
            db.execute("DELETE FROM variable WHERE key = ?", (key_a,))
        assert _variable_rows(airflow_deployment.database, key_a) == 0
        record("fan_out_2", airflow_deployment.run_dag("vision_fan_out", env("c2")))
        result.variable_back_after_file_hit = (
            _variable_rows(airflow_deployment.database, key_a) == 1
        )

        result.export_path = work / "export" / "inspections.jsonl"
        export_env = env("c2", *CLIENT_B)
        export_env["VISION_INSPECTIONS_OUT"] = str(result.export_path)
        export_env["VISION_INSPECTIONS_SINCE"] = "2026-01-02"
        record(
            "client_b",
            airflow_deployment.run_dag("vision_recent_inspections", export_env),
        )

        record("revoke", airflow_deployment.run_dag("vision_revoke_check", env("c2")))
        result.unauthorized_api_calls = emulator.api_calls(authorized=False)

        result.issued_tokens = emulator.issued_tokens()
        result.secrets = [emulator.client_secret, CLIENT_B[1]]
        settings_b = settings_a.replace(
            client_id=CLIENT_B[0], client_secret=CLIENT_B[1]
        )
        result.variable_keys = [key_a, store_key(settings_b)]
    return result


def test_every_run_succeeds(scenario: Scenario) -> None:
    for name, run in scenario.runs.items():
        assert run.state == "success", (name, run.task_states())
        assert all(t["state"] == "success" for t in run.tasks), (
            name,
            run.task_states(),
        )
    mapped = [
        t for run in scenario.runs.values() for t in run.tasks if t["map_index"] >= 0
    ]
    total = sum(len(run.tasks) for run in scenario.runs.values())
    print(
        f"\n{len(scenario.runs)} DAG runs in separate processes, {total} task "
        f"instances ({len(mapped)} mapped); token requests after each run: "
        f"client A {scenario.requests_a}, client B {scenario.requests_b}"
    )
    assert len(mapped) == 4 + 3 + 4 + 3


def test_one_token_request_for_two_dags_over_three_runs(scenario: Scenario) -> None:
    # Runs 1-3 used three processes and two cache dirs; run 2 started with an
    # empty file cache, so only the Variable store could carry the token.
    assert scenario.requests_a["fan_out_1"] == 1
    assert scenario.requests_a["api_calls"] == 1
    assert scenario.requests_a["fan_out_2"] == 1


def test_mapped_tasks_share_the_provisioned_token(scenario: Scenario) -> None:
    for name in ("fan_out_1", "fan_out_2"):
        summary = scenario.runs[name].output
        assert "4 mapped tasks read 20 inspections using 1 token(s)" in summary


def test_file_cache_carries_the_token_and_provisioning_restores_the_variable(
    scenario: Scenario,
) -> None:
    assert scenario.requests_a["fan_out_2"] == 1
    assert scenario.variable_back_after_file_hit


def test_switched_connection_gets_its_own_clients_token(scenario: Scenario) -> None:
    assert scenario.requests_b["fan_out_2"] == 0
    assert scenario.requests_b["client_b"] == 1
    assert scenario.requests_a["client_b"] == 1

    lines = scenario.export_path.read_text().splitlines()
    items = [json.loads(line) for line in lines]
    created = [item["created_at"] for item in items]
    assert items
    assert all(moment >= "2026-01-02" for moment in created)
    assert created == sorted(created, reverse=True)
    assert len({item["id"] for item in items}) == len(items)


def test_revoked_token_costs_exactly_one_more_request(scenario: Scenario) -> None:
    assert scenario.requests_a["revoke"] == scenario.requests_a["client_b"] + 1
    assert scenario.unauthorized_api_calls >= 1
    assert scenario.requests_b["revoke"] == 1


def test_no_token_or_client_secret_in_clear_anywhere(
    scenario: Scenario, airflow_deployment: AirflowDeployment, tmp_path: Path
) -> None:
    """Scan the metadata database, XCom, Variables, logs and console output.

    Scanned: the SQLite file's raw bytes (and any journal next to it), the
    text of every cell of every table, the XCom rows the stores wrote, every
    Variable decrypted by `airflow variables export`, every file under the
    Airflow log folder, the console output of every `dag.test()` process,
    and every file in the runs' token cache folders. Searched for: every
    token the emulator issued and both clients' secrets.
    """
    needles = scenario.issued_tokens + scenario.secrets
    assert len(scenario.issued_tokens) == 3
    hits: list[str] = []

    def scan(where: str, text: str) -> None:
        hits.extend(f"{where}: secret #{i}" for i, n in enumerate(needles) if n in text)

    database = airflow_deployment.database
    for path in database.parent.glob(database.name + "*"):
        scan(path.name, path.read_bytes().decode("latin-1"))

    cells = 0
    with sqlite3.connect(database) as db:
        tables = [
            row[0]
            for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608
                for cell in row:
                    cells += 1
                    text = (
                        cell.decode("latin-1") if isinstance(cell, bytes) else str(cell)
                    )
                    scan(f"table {table}", text)
        xcoms = [
            json.loads(value) if isinstance(value, str) else value
            for (value,) in db.execute(
                "SELECT value FROM xcom WHERE key LIKE 'vision_token_%'"
            )
        ]
    assert xcoms, "the runs pushed no token XCom"
    assert all(isinstance(v, str) and v.startswith("vst1.") for v in xcoms)

    exported = tmp_path / "variables.json"
    subprocess.run(
        [sys.executable, "-m", "airflow", "variables", "export", str(exported)],
        env={**os.environ, **AIRFLOW_ENV},
        check=True,
        capture_output=True,
        timeout=120,
    )
    variables = json.loads(exported.read_text())
    scan("variables export", json.dumps(variables))
    # 3.3 exports {"value": ..., "description": ...} per key, 3.1 the bare value.
    token_variables = {
        key: entry["value"] if isinstance(entry, dict) else entry
        for key, entry in variables.items()
        if key.startswith("vision_token_")
    }
    # One Variable per client identity of the scenario (other tests of the
    # session may have left their own).
    assert set(scenario.variable_keys) <= set(token_variables)
    assert all(v.startswith("vst1.") for v in token_variables.values())

    log_files = [
        p for p in (airflow_deployment.home / "logs").rglob("*") if p.is_file()
    ]
    for path in log_files:
        scan(str(path), path.read_text(errors="replace"))
    for index, output in enumerate(airflow_deployment.outputs):
        scan(f"console of process {index}", output)
    # The runs' token cache folders and the inspections they exported.
    assert scenario.work is not None
    work_files = [p for p in scenario.work.rglob("*") if p.is_file()]
    assert any(p.suffix == ".token" for p in work_files)
    for path in work_files:
        scan(str(path), path.read_bytes().decode("latin-1"))

    print(
        f"\nscanned for {len(needles)} secrets: {database.name} raw bytes, "
        f"{cells} cells in {len(tables)} tables, {len(xcoms)} token XComs, "
        f"{len(variables)} Variables, {len(log_files)} log files, "
        f"{len(airflow_deployment.outputs)} process outputs, "
        f"{len(work_files)} token cache and export files"
    )
    assert hits == []
