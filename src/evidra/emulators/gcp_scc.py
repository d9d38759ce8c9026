"""Security Command Center's findings listing (v1), served by the GCP fake (`gcp_server.py`
routes these requests here and pages the answers).

Shapes from the v1 REST reference and the `google-cloud-securitycenter` client's protos
(`google.cloud.securitycenter.v1` ListFindingsRequest, ListFindingsResponse, Finding):

- `GET /v1/{organizations|folders|projects}/{id}/sources/-/findings` (sources.findings.list
  across every source, permission `securitycenter.findings.list`): `filter`, `pageSize`
  (default 10, at most 1000), `pageToken`. Answers `{"listFindingsResults": [{"finding":
  Finding, "resource": Resource}], "readTime", "totalSize", "nextPageToken"}`. The filter
  is served in the subset the collector sends: `field = "text"` and `event_time >= "RFC
  3339"` restrictions joined by AND and OR, with parentheses; OR binds tighter than AND,
  as the reference says. A filter outside it is refused (400 INVALID_ARGUMENT).
- An organisation where Security Command Center (Standard or Premium) was never
  activated answers 400 INVALID_ARGUMENT with the message its users report
  (terraform-google-modules/terraform-example-foundation issues 633 and 1145).
"""

from __future__ import annotations

import operator
import re
from datetime import UTC, datetime
from typing import Any

ROUTES = (
    (
        "ListFindings",
        re.compile(r"^/v1/(?P<scope>(?:organizations|folders|projects)/[^/:]+)/sources/-/findings$"),
    ),
)
PERMISSIONS = {"ListFindings": "securitycenter.findings.list"}
KEYS = {"ListFindings": "listFindingsResults"}
MAX_PAGE = {"ListFindings": 1000}
DEFAULT_PAGE = 10
SERVICE = "securitycenter.googleapis.com"
TITLE = "Security Command Center API"
NOT_ACTIVATED = (
    "Security Command Center Legacy has been permanently disabled as of June 7, 2021. Migrate to "
    "Security Command Center's Standard tier or Premium tier to maintain access to Security Command "
    "Center. See https://cloud.google.com/security-command-center/docs/quickstart-security-command-center "
    "for more info."
)


def items(org: Any, node: str, query: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Every `{finding, resource}` of the org under `node` that the filter matches (read
    afresh each time: a test changes the findings between runs)."""
    if not org.scc_activated:
        raise ValueError(NOT_ACTIVATED)
    matches = finding_filter((query.get("filter") or [""])[0])
    return [
        result
        for result in org.findings
        if node in org.ancestors(_node(result["resource"].get("projectName", "")))
        and matches(result["finding"])
    ]


def _node(full_name: str) -> str:
    """`//cloudresourcemanager.googleapis.com/projects/1001` -> `projects/1001`."""
    return full_name.rpartition("googleapis.com/")[2]


# The findings filter's fields (v1 ListFindingsRequest.filter) as the JSON names them.
_FILTER_FIELDS = {
    "finding_class": "findingClass",
    "state": "state",
    "category": "category",
    "severity": "severity",
    "mute": "mute",
    "event_time": "eventTime",
    "resource_name": "resourceName",
}
_RESTRICTION = re.compile(r'\s*(-?)([a-z_]+)\s*(>=|<=|=|>|<|:)\s*"([^"]*)"')


def finding_filter(text: str) -> Any:
    """A predicate on a finding for the filter subset the collector sends; a filter it
    cannot read is refused as Google refuses one (400 INVALID_ARGUMENT)."""
    tokens = re.findall(r'\(|\)|\bAND\b|\bOR\b|-?[a-z_]+\s*(?:>=|<=|=|>|<|:)\s*"[^"]*"', text)
    if "".join(tokens).replace(" ", "") != text.replace(" ", ""):
        raise ValueError(f"Invalid filter: {text}")
    position = 0

    def restriction(token: str) -> Any:
        negate, name, op, value = _RESTRICTION.fullmatch(token).groups()  # type: ignore[union-attr]
        if name not in _FILTER_FIELDS:
            raise ValueError(f"Invalid filter field: {name}")
        key = _FILTER_FIELDS[name]

        def test(finding: dict[str, Any]) -> bool:
            actual: Any = str(finding.get(key, ""))
            wanted: Any = value
            if key == "eventTime":  # times compare as instants
                actual, wanted = _instant(actual), _instant(value)
            held = str(wanted) in str(actual) if op == ":" else _COMPARE[op](actual, wanted)
            return held != bool(negate)

        return test

    def term() -> Any:
        nonlocal position
        item = tokens[position]
        position += 1
        if item == "(":
            inner = conjunction()
            position += 1  # ")"
            return inner
        return restriction(item)

    def disjunction() -> Any:  # OR binds tighter than AND in this language
        nonlocal position
        parts = [term()]
        while position < len(tokens) and tokens[position] == "OR":
            position += 1
            parts.append(term())
        return lambda f: any(p(f) for p in parts)

    def conjunction() -> Any:
        nonlocal position
        parts = [disjunction()]
        while position < len(tokens) and tokens[position] == "AND":
            position += 1
            parts.append(disjunction())
        return lambda f: all(p(f) for p in parts)

    return conjunction() if tokens else (lambda f: True)


_COMPARE = {
    "=": operator.eq,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


def _instant(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise ValueError(f"Invalid timestamp in filter: {value}") from None
