"""DAGs the Airflow tests run to check token reuse inside real tasks."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Variable, dag, get_current_context, task

from vision_integrations.airflow import VisionHook, VisionOperator
from vision_integrations.airflow.variable_store import VariableTokenStore
from vision_integrations.airflow.xcom_store import XComTokenStore
from vision_integrations.testing import EmulatorControl
from vision_integrations.tokens import AccessToken

START = datetime(2026, 1, 1)


@dag(dag_id="vision_revoke_check", schedule=None, start_date=START, catchup=False)
def vision_revoke_check() -> None:
    """Call the API, revoke every token in the emulator, call it again (mapped)."""
    before = VisionOperator(
        task_id="before_revoke", endpoint="inspections", query={"page[size]": 1}
    )

    @task
    def revoke_all_tokens() -> int:
        return EmulatorControl(os.environ["VISION_EMULATOR_URL"]).revoke()

    after = VisionOperator.partial(
        task_id="after_revoke", endpoint="inspections"
    ).expand(query=[{"page[size]": 1, "page[number]": n} for n in (1, 2, 3)])
    before >> revoke_all_tokens() >> after


@dag(dag_id="vision_api_calls", schedule=None, start_date=START, catchup=False)
def vision_api_calls() -> None:
    """Another DAG on the same connection: API calls, then store checks."""
    first = VisionOperator(
        task_id="list_first_page", endpoint="inspections", query={"page[size]": 5}
    )
    mapped = VisionOperator.partial(
        task_id="list_mapped", endpoint="inspections", paginate=True, max_items=7
    ).expand(page_size=[2, 3, 4])

    @task
    def via_hook() -> dict[str, Any]:
        body = VisionHook().run("inspections/3")
        return {"id": body["result"]["id"]} if "result" in body else body

    created = VisionOperator(
        task_id="create_inspection",
        method="POST",
        endpoint="inspections",
        json={"title": "Created by {{ run_id }}"},
    )

    @task
    def check_stores() -> dict[str, bool]:
        from airflow.sdk._shared.secrets_masker import redact

        ti = get_current_context()["ti"]
        hook = VisionHook()
        token = hook.get_token()
        settings = hook.settings
        checks: dict[str, bool] = {}

        checks["token value is masked"] = token.value not in str(redact(token.value))

        xcom = XComTokenStore(settings)
        xcom.store(token)
        raw = ti.xcom_pull(task_ids=ti.task_id, key=xcom.key)
        checks["xcom record is sealed"] = (
            isinstance(raw, str) and raw.startswith("vst1.") and token.value not in raw
        )
        found = xcom.load()
        checks["xcom record opens"] = found is not None and found.value == token.value

        variable = VariableTokenStore(settings)
        variable.store(token)
        raw = Variable.get(variable.key)
        checks["variable record is sealed"] = (
            raw.startswith("vst1.") and token.value not in raw
        )
        found = variable.load()
        checks["variable record opens"] = (
            found is not None and found.value == token.value
        )

        rotated = VariableTokenStore(settings.replace(client_secret="rotated-secret"))
        checks["rotated secret looks in the same place"] = rotated.key == variable.key
        checks["rotated secret cannot open the record"] = rotated.load() is None

        elsewhere = settings.replace(audience="https://elsewhere.example")
        other = VariableTokenStore(elsewhere)
        checks["other audience looks elsewhere"] = other.key != variable.key
        Variable.set(other.key, "vst1.not-a-record")
        checks["corrupt record is a miss"] = other.load() is None
        Variable.delete(other.key)

        stranger = AccessToken(
            value="someone-elses-token-value",
            expires_at=token.expires_at,
            obtained_at=token.obtained_at,
        )
        variable.discard(stranger)
        checks["discarding another token keeps ours"] = variable.load() is not None
        variable.discard(token)
        checks["discarding our token clears it"] = (
            Variable.get(variable.key, default=None) is None
        )
        xcom.discard(token)
        checks["xcom skips a discarded token"] = xcom.load() is None

        newer = AccessToken(
            value="a-newer-token-value-for-the-run",
            expires_at=token.expires_at + timedelta(seconds=1),
            obtained_at=token.obtained_at + timedelta(seconds=1),
        )
        xcom.store(newer)
        found = xcom.load()
        checks["xcom offers a newer token"] = (
            found is not None and found.value == newer.value
        )
        variable.store(token)  # leave the shared store as the hook would

        failed = [name for name, ok in checks.items() if not ok]
        if failed:
            raise AssertionError(f"store checks failed: {failed}")
        return checks

    [first, mapped, via_hook(), created] >> check_stores()


vision_revoke_check()
vision_api_calls()
