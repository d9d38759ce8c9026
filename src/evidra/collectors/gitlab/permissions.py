"""The shipped token scopes (gitlab-token-scopes.json): the scope the token needs and
every endpoint the collector may call, matched against a request."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

FILE = "gitlab-token-scopes.json"


@cache
def document() -> dict[str, Any]:
    text = resources.files("evidra.collectors.gitlab").joinpath(FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def allowed(method: str, path: str) -> bool:
    """The shipped file lists this request (ids and names are one path segment each;
    a repository file's path is URL-encoded into one)."""
    for endpoint in document()["endpoints"]:
        pattern = "^" + re.sub(r"\{[a-z_]+\}", "[^/]+", endpoint["path"]) + "$"
        if method == endpoint["method"] and re.match(pattern, path):
            return True
    return False
