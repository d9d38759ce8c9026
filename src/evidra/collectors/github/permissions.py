"""The shipped read-only permissions (github-app-permissions.json): the GitHub App's
permissions and every endpoint the collector may call, matched against a request."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

FILE = "github-app-permissions.json"


@cache
def document() -> dict[str, Any]:
    text = resources.files("evidra.collectors.github").joinpath(FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def app_permissions() -> dict[str, str]:
    doc = document()
    return {**doc["repository_permissions"], **doc["organization_permissions"]}


@cache
def _patterns() -> list[tuple[str, re.Pattern[str], str]]:
    return [
        (e["method"], re.compile("^" + re.sub(r"\{[a-z_]+\}", "[^/]+", e["path"]) + "$"), e["permission"])
        for e in document()["endpoints"]
    ]


def permission_for(method: str, path: str) -> str | None:
    """The permission the shipped file names for this request, None when the file does
    not list it (the collector must not make such a request)."""
    for allowed_method, pattern, permission in _patterns():
        if method == allowed_method and pattern.match(path):
            return permission
    return None
