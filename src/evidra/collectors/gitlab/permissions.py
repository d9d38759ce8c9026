"""The shipped token scopes (gitlab-token-scopes.json): the scope the token needs and
every endpoint the collector may call, matched against a request."""

from __future__ import annotations

from typing import Any

from evidra.collectors.source_control import ShippedEndpoints

FILE = "gitlab-token-scopes.json"
SHIPPED = ShippedEndpoints("evidra.collectors.gitlab", FILE)


def document() -> dict[str, Any]:
    return SHIPPED.document


def allowed(method: str, path: str) -> bool:
    """The shipped file lists this request (ids and names are one path segment each;
    a repository file's path is URL-encoded into one)."""
    return SHIPPED.endpoint(method, path) is not None
