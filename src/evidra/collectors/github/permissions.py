"""The shipped read-only permissions (github-app-permissions.json): the GitHub App's
permissions and every endpoint the collector may call, matched against a request."""

from __future__ import annotations

from typing import Any

from evidra.collectors.source_control import ShippedEndpoints

FILE = "github-app-permissions.json"
SHIPPED = ShippedEndpoints("evidra.collectors.github", FILE)


def document() -> dict[str, Any]:
    return SHIPPED.document


def app_permissions() -> dict[str, str]:
    doc = document()
    return {**doc["repository_permissions"], **doc["organization_permissions"]}


def permission_for(method: str, path: str) -> str | None:
    """The permission the shipped file names for this request, None when it does not
    list it (the collector must not make such a request)."""
    endpoint = SHIPPED.endpoint(method, path)
    return str(endpoint["permission"]) if endpoint else None
