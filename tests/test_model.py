"""A stored snapshot's attributes read back without parsing its raw answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from evidra.canonical import canonical_bytes
from evidra.model import ApiCall, Observation


def _observation(attributes: dict[str, object]) -> Observation:
    return Observation(
        provider="aws",
        scope="aws:123456789012:us-east-1",
        type="vuln.finding",
        id="arn:aws:inspector2:us-east-1:123456789012:finding/1",
        attributes=attributes,
        # A raw answer that itself holds an "attributes" key and brackets in strings.
        raw={"attributes": {"not": "these"}, "Title": 'CVE "x" {y}', "n": [1, 2, {"z": None}]},
        calls=[ApiCall("securityhub", "GetFindings", {})],
        principal="role/evidra",
        observed_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_the_attributes_of_a_stored_snapshot_are_its_own_not_the_raw_answers() -> None:
    attributes = {"severity": "HIGH", "first_observed": "2026-01-01T00:00:00Z", "nested": {"a": [1, "}"]}}
    body = canonical_bytes(_observation(attributes).snapshot())
    assert body.startswith(b'{"attributes":')
    assert Observation.snapshot_attributes(body) == attributes == json.loads(body)["attributes"]


def test_a_snapshot_not_in_canonical_form_is_parsed_whole() -> None:
    document = _observation({"severity": "LOW"}).snapshot()
    body = json.dumps(document, sort_keys=False, indent=1).encode()  # "provider" first
    assert not body.startswith(b'{"attributes":')
    assert Observation.snapshot_attributes(body) == {"severity": "LOW"}
    assert Observation.snapshot_attributes(canonical_bytes(_observation({}).snapshot())) == {}
