"""Describe the provider to Airflow: the `vision` connection type and its form.

Airflow calls `get_provider_info()` through the `apache_airflow_provider`
entry point while it lists providers, in every process that does so (the API
server, the scheduler, workers, the CLI). It must stay cheap: this module
imports nothing from Airflow and nothing heavy from the package.

Airflow 3.2 and later build the connection form from the declarative
`conn-fields` and `ui-field-behaviour` below (3.3 reads nothing else);
Airflow 3.1 builds it from `VisionHook.get_connection_form_widgets()` and
`VisionHook.get_ui_field_behaviour()`, which return the same content.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CONNECTION_TYPE",
    "EXTRA_FIELDS",
    "HOOK_CLASS_NAME",
    "HOOK_NAME",
    "PACKAGE_NAME",
    "REGION_CHOICES",
    "UI_FIELD_BEHAVIOUR",
    "get_provider_info",
]

PACKAGE_NAME = "vision-integrations"
CONNECTION_TYPE = "vision"
HOOK_NAME = "Truepic Vision"
HOOK_CLASS_NAME = "vision_integrations.airflow.hook.VisionHook"
REGION_CHOICES = ("us", "eu")

# The US values are the published ones; EU has none published, so choosing EU
# means filling in all three URLs (the hook says so if one is missing).
_US_AUTH_URL = "https://vision-auth.truepic.com/oauth/token"
_US_AUDIENCE = "https://vision-api.truepic.com"
_US_API_BASE_URL = "https://vision-api.truepic.com/v3"

# Extra fields, stored in the connection's `extra` under these bare names.
# None of the names contains a word Airflow's masker treats as sensitive
# ("token", "auth_header", "secret", ...), so the UI never hides them.
EXTRA_FIELDS: dict[str, dict[str, Any]] = {
    "region": {
        "label": "Region",
        "description": (
            "Vision region of the account: us (default) or eu. The EU URLs "
            "are not published; with eu, fill in the API base URL, the "
            "authorization URL and the audience."
        ),
        "schema": {
            "type": ["string", "null"],
            "enum": list(REGION_CHOICES),
            "default": "us",
        },
    },
    "auth_url": {
        "label": "Authorization URL",
        "description": (
            "Token endpoint (OAuth 2.0 client credentials). Leave empty for "
            "the region's published endpoint."
        ),
        "schema": {"type": ["string", "null"], "format": "url"},
    },
    "audience": {
        "label": "Audience",
        "description": (
            "Audience requested with each token. Leave empty for the "
            "region's published audience."
        ),
        "schema": {"type": ["string", "null"]},
    },
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["port", "schema"],
    "relabeling": {
        "login": "Client ID",
        "password": "Client Secret",
        "host": "API base URL",
    },
    "placeholders": {
        "login": "client ID from the Vision Dashboard",
        "password": "client secret from the Vision Dashboard",
        "host": _US_API_BASE_URL,
        "region": "us",
        "auth_url": _US_AUTH_URL,
        "audience": _US_AUDIENCE,
    },
}


def get_provider_info() -> dict[str, Any]:
    """Return the provider description Airflow reads from the entry point."""
    return {
        "package-name": PACKAGE_NAME,
        "name": "Truepic Vision",
        "description": (
            "Authenticated, token-reusing access to the Truepic Vision API: a "
            "`vision` connection type, a hook, operators and example DAGs."
        ),
        "integrations": [
            {
                "integration-name": "Truepic Vision",
                "external-doc-url": "https://vision-api.truepic.com/",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": "Truepic Vision",
                "python-modules": ["vision_integrations.airflow.hook"],
            }
        ],
        "operators": [
            {
                "integration-name": "Truepic Vision",
                "python-modules": ["vision_integrations.airflow.operators"],
            }
        ],
        "connection-types": [
            {
                "connection-type": CONNECTION_TYPE,
                "hook-class-name": HOOK_CLASS_NAME,
                "hook-name": HOOK_NAME,
                "conn-fields": _copy(EXTRA_FIELDS),
                "ui-field-behaviour": _copy(UI_FIELD_BEHAVIOUR),
            }
        ],
    }


def _copy(value: dict[str, Any]) -> dict[str, Any]:
    # Airflow may keep and adjust what it is given (it prefixes placeholder
    # names, for one); hand out copies so the module constants stay intact.
    copied: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            copied[key] = _copy(item)
        elif isinstance(item, list):
            copied[key] = list(item)
        else:
            copied[key] = item
    return copied
