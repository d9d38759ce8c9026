"""The permissions the collector needs, as shipped: `role.json` (an Azure custom role
for Resource Manager, every action a read) and `graph-permissions.json` (Microsoft
Graph application permissions, with the API paths each one is for).

`arm_action` names the RBAC action a Resource Manager GET needs, from its path: the
provider namespace and the resource types after the last `/providers/`, then `/read`
(`.../providers/Microsoft.Sql/servers/s1/databases/d1` -> `Microsoft.Sql/servers/databases/read`).
The tests collect through the fake and check that every request's action is in the
role, and every role action was needed.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def role() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_text("role.json"))
    return loaded


def graph_permissions() -> dict[str, list[str]]:
    """Permission -> the Graph paths (after /v1.0) it is needed for."""
    document = json.loads(_text("graph-permissions.json"))
    return {p["permission"]: list(p["paths"]) for p in document["permissions"]}


# Listings over a whole scope named by a child type alone (Defender's sub-assessments of
# every assessment): RBAC checks the child type's own action.
_SCOPE_LISTINGS = {"microsoft.security/subassessments": "Microsoft.Security/assessments/subAssessments/read"}


def arm_action(path: str) -> str:
    _, found, rest = path.rstrip("/").rpartition("/providers/")
    if not found:  # /subscriptions or /subscriptions/{id}
        return "Microsoft.Resources/subscriptions/read"
    if rest.lower() in _SCOPE_LISTINGS:
        return _SCOPE_LISTINGS[rest.lower()]
    namespace, *segments = rest.split("/")
    return "/".join([_namespace(namespace), *segments[0::2], "read"])


def _namespace(name: str) -> str:
    # Paths may be lower-cased (`microsoft.insights`); RBAC spells namespaces in Pascal case.
    known = {n.lower(): n for n in _namespaces()}
    return known.get(name.lower(), name)


def _namespaces() -> set[str]:
    return {action.split("/")[0] for action in role()["Actions"]}


def _text(name: str) -> str:
    return resources.files("evidra.collectors.azure").joinpath(name).read_text(encoding="utf-8")
