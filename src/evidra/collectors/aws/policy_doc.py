"""Reading IAM and bucket policy documents: just the few questions evidence needs.

Deliberately simple (no full policy evaluation): a statement counts when it says
the thing plainly. The raw documents stay in the evidence for anyone who wants more.
"""

from __future__ import annotations

import json
from typing import Any

# Condition keys that pin a "*" principal down to known callers, as AWS's own public
# policy check treats them; a condition on anything else (aws:Referer, a user agent)
# is spoofable and leaves the grant public.
_RESTRICTING_KEYS = frozenset(
    {
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:userid",
    }
)


def statements(document: Any) -> list[dict[str, Any]]:
    """The statements of a policy given as a dict or as JSON text; [] if unreadable."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, dict):
        return []
    found = document.get("Statement", [])
    return [s for s in as_list(found) if isinstance(s, dict)]


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def allows_everything(document: Any) -> bool:
    """An Allow of every action on every resource: administrator rights."""
    for statement in statements(document):
        if statement.get("Effect") != "Allow" or "NotAction" in statement or "NotResource" in statement:
            continue
        actions = as_list(statement.get("Action"))
        if any(a in ("*", "*:*") for a in actions) and "*" in as_list(statement.get("Resource")):
            return True
    return False


def grants_public(document: Any) -> bool:
    """An Allow to anyone (Principal "*" or {"AWS": "*"}) not narrowed by a condition."""
    for statement in statements(document):
        if statement.get("Effect") != "Allow" or not _principal_is_anyone(statement.get("Principal")):
            continue
        if not _restricts_callers(statement.get("Condition")):
            return True
    return False


def denies_insecure_transport(document: Any) -> bool:
    """A Deny of requests whose aws:SecureTransport is false: TLS is required."""
    for statement in statements(document):
        if statement.get("Effect") != "Deny":
            continue
        condition = statement.get("Condition") or {}
        for operator, tests in condition.items():
            if operator.lower() != "bool" or not isinstance(tests, dict):
                continue
            for key, value in tests.items():
                if key.lower() == "aws:securetransport" and any(
                    str(v).lower() == "false" for v in as_list(value)
                ):
                    return True
    return False


def _principal_is_anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in as_list(principal.get("AWS"))
    return False


def _restricts_callers(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for tests in condition.values():
        if isinstance(tests, dict) and any(key.lower() in _RESTRICTING_KEYS for key in tests):
            return True
    return False
