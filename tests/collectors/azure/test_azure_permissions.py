"""The shipped permissions are exactly what a collection uses, and only reads."""

from __future__ import annotations

import re

from evidra.collectors.azure.permissions import arm_action, graph_permissions, role
from evidra.emulators.azure_server import FakeAzure
from tests.collectors.azure.azure_support import collect


def test_role_grants_exactly_the_reads_a_collection_makes(azure: FakeAzure):
    collect(azure)
    used = {arm_action(path).lower() for host, method, path, _ in azure.requests if host == "arm"}
    assert {method for host, method, _, _ in azure.requests if host in ("arm", "graph")} == {"GET"}
    granted = {action.lower() for action in role()["Actions"]}
    assert used - granted == set(), "missing from role.json"
    assert granted - used == set(), "granted by role.json but never used"
    assert all(action.endswith("/read") for action in granted)
    assert role()["DataActions"] == [] and role()["NotActions"] == []


def test_graph_permissions_cover_exactly_the_paths_read(azure: FakeAzure):
    collect(azure, intune=True)  # the Intune permissions are listed for `intune: true`
    paths = {path.removeprefix("/v1.0") for host, _, path, _ in azure.requests if host == "graph"}
    listed = {path for paths_ in graph_permissions().values() for path in paths_}
    templates = {p: re.compile(re.escape(p).replace(re.escape("{id}"), "[^/]+") + "$") for p in listed}
    assert {p for p in paths if not any(t.match(p) for t in templates.values())} == set(), "not granted"
    assert {p for p, t in templates.items() if not any(t.match(path) for path in paths)} == set(), "unused"
    assert all(name.endswith(".Read.All") or name.endswith(".Read.Directory") for name in graph_permissions())


def test_action_names_follow_the_resource_types():
    assert arm_action("/subscriptions") == "Microsoft.Resources/subscriptions/read"
    assert (
        arm_action("/subscriptions/s/resourceGroups/g/providers/Microsoft.Sql/servers/a/databases/b/transparentDataEncryption/current")
        == "Microsoft.Sql/servers/databases/transparentDataEncryption/read"
    )  # fmt: skip
    assert (
        arm_action("/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a/blobServices/default/providers/microsoft.insights/diagnosticSettings")
        == "Microsoft.Insights/diagnosticSettings/read"
    )  # fmt: skip
