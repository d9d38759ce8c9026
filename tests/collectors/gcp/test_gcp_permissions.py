"""The shipped custom role grants exactly what the collector's requests need, all of it
read-only: a full collection is recorded by the fake, permission by permission."""

from __future__ import annotations

from pathlib import Path

import yaml

import evidra.collectors.gcp
from evidra.emulators.gcp_server import FakeGcp
from tests.collectors.gcp.gcp_support import collect

ROLE = Path(evidra.collectors.gcp.__file__).parent / "evidra-audit-role.yaml"


def test_the_role_matches_what_the_collector_needs(gcp: FakeGcp, tmp_path: Path) -> None:
    collection = collect(gcp, tmp_path / "key.json")
    assert collection.errors == []
    role = yaml.safe_load(ROLE.read_text())
    assert sorted(role["includedPermissions"]) == sorted(gcp.permissions())


def test_the_role_only_reads() -> None:
    role = yaml.safe_load(ROLE.read_text())
    for permission in role["includedPermissions"]:
        _service, _resource, verb = permission.split(".")
        assert verb.startswith(("list", "search", "get")), permission
