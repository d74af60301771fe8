"""`VisionHook`: authenticated Vision API sessions from an Airflow connection.

A hook's token comes from the first of these layers that holds a fresh one,
and a newly fetched token is written to all of them:

1. process memory (shared by every hook and session in the process);
2. the local file cache, sealed, whose file lock also single-flights the
   fetch among processes on one host (unless ``VISION_FILE_CACHE=0``);
3. the XComs of the current DAG run (`XComTokenStore`);
4. an Airflow Variable shared by every run and DAG (`VariableTokenStore`).

Layers 3 and 4 exist only inside a task; elsewhere (the API server testing a
connection, scripts) the hook uses memory and the file cache alone. Every
token the hook hands out inside a task is registered with the secrets masker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import cached_property
from importlib import import_module
from typing import Any

from airflow.sdk import BaseHook

from vision_integrations.airflow import provider_info
from vision_integrations.airflow._runtime import mask_token
from vision_integrations.airflow.connection import settings_from_connection
from vision_integrations.airflow.variable_store import VariableTokenStore
from vision_integrations.airflow.xcom_store import XComTokenStore
from vision_integrations.caches import TokenCache, default_caches
from vision_integrations.errors import VisionError
from vision_integrations.manager import TokenManager
from vision_integrations.responses import raise_for_api_error
from vision_integrations.session import VisionSession
from vision_integrations.settings import VisionSettings
from vision_integrations.tokens import AccessToken

__all__ = ["VisionHook"]

logger = logging.getLogger(__name__)


class VisionHook(BaseHook):
    """Call the Truepic Vision API with the credentials of a `vision` connection.

    The connection holds the client ID (login), the client secret (password),
    optionally the API base URL (host), and in its extra the region and
    optional overrides of the authorization URL and audience. Tokens are
    reused across tasks, DAG runs and DAGs; see the module documentation.
    """

    conn_name_attr = "vision_conn_id"
    default_conn_name = "vision_default"
    conn_type = provider_info.CONNECTION_TYPE
    hook_name = provider_info.HOOK_NAME

    def __init__(self, vision_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.vision_conn_id = vision_conn_id

    @cached_property
    def settings(self) -> VisionSettings:
        """Return the validated settings read from the connection."""
        conn = self.get_connection(self.vision_conn_id)
        return settings_from_connection(conn)

    @cached_property
    def token_manager(self) -> TokenManager:
        """Return the manager that walks this hook's token layers."""
        settings = self.settings
        caches: list[TokenCache] = list(default_caches(settings))
        caches += [XComTokenStore(settings), VariableTokenStore(settings)]
        return TokenManager(settings, caches, on_token=mask_token)

    def get_conn(self) -> VisionSession:
        """Return an authenticated session; relative paths go under the API URL."""
        return VisionSession(self.settings, manager=self.token_manager)

    @cached_property
    def session(self) -> VisionSession:
        """Return the session this hook's helper methods share."""
        return self.get_conn()

    def get_token(self) -> AccessToken:
        """Return a fresh token, reusing a stored one when there is one.

        The value is registered with the secrets masker; never return it from
        a task or push it to XCom yourself.
        """
        return self.token_manager.get_token()

    def run(
        self,
        endpoint: str,
        method: str = "GET",
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Call an endpoint and return its parsed JSON body.

        Raise `VisionAPIError` when the API answers with an error status.
        Return `None` for an empty body.
        """
        response = self.session.request(
            method.upper(), endpoint, params=params, json=json
        )
        raise_for_api_error(response)
        if not response.content:
            return None
        return response.json()

    def iter_items(
        self,
        endpoint: str,
        params: dict[str, Any] | None = None,
        page_size: int = 100,
        max_items: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield the items of a paged list endpoint, across every page.

        Stop after `max_items` items when it is given.
        """
        return self.session.iter_items(
            endpoint, params=params, page_size=page_size, max_items=max_items
        )

    def test_connection(self) -> tuple[bool, str]:
        """Obtain a token with the connection's credentials and report on it.

        Runs in the API server, where there is no task context: only the
        memory and file caches are used. The message never holds a secret.
        """
        try:
            token = self.get_token()
        except VisionError as exc:
            return False, str(exc)
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        settings = self.settings
        return True, (
            f"Obtained a token for client ID {settings.client_id!r} from "
            f"{settings.auth_url}; it is valid until "
            f"{token.expires_at:%Y-%m-%d %H:%M} UTC."
        )

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Return the extra form fields, for Airflow 3.1 (3.2+ read provider info)."""
        # Imported by name: these libraries come with Airflow 3.1's web stack
        # (or its stand-ins while the API server builds the form), never here.
        widgets = import_module("flask_appbuilder.fieldwidgets")
        lazy_gettext = import_module("flask_babel").lazy_gettext
        string_field = import_module("wtforms").StringField
        validators = import_module("wtforms.validators")

        fields = provider_info.EXTRA_FIELDS

        def text_field(name: str, validators: list[Any]) -> Any:
            spec = fields[name]
            return string_field(
                lazy_gettext(spec["label"]),
                widget=widgets.BS3TextFieldWidget(),
                description=spec["description"],
                default=spec["schema"].get("default"),
                validators=validators,
            )

        return {
            "region": text_field(
                "region",
                [
                    validators.Optional(),
                    validators.any_of(list(provider_info.REGION_CHOICES)),
                ],
            ),
            "auth_url": text_field("auth_url", [validators.Optional()]),
            "audience": text_field("audience", [validators.Optional()]),
        }

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Return hidden fields, labels and placeholders, for Airflow 3.1."""
        behaviour = provider_info.UI_FIELD_BEHAVIOUR
        return {
            "hidden_fields": list(behaviour["hidden-fields"]),
            "relabeling": dict(behaviour["relabeling"]),
            "placeholders": dict(behaviour["placeholders"]),
        }
