"""Paging, retries and failures on the wire: the real client against the fake's
nextPageToken paging and injected 429 / 5xx / malformed answers."""

from __future__ import annotations

from pathlib import Path

from evidra.emulators.gcp_server import FakeGcp
from tests.collectors.gcp.gcp_support import by_name, collect


def test_every_page_is_read(gcp: FakeGcp, tmp_path: Path) -> None:
    whole = collect(gcp, tmp_path / "key.json")
    # OS Config: one listing of each report per zone with running VMs (two zones).
    osconfig = {"ListInventories": 2, "ListVulnerabilityReports": 2, "ListFindings": 1}  # and SCC's findings
    assert gcp.calls() == {"ListAssets": 3, "SearchAllResources": 1, "SearchAllIamPolicies": 1, **osconfig}
    gcp.requests.clear()
    paged = collect(gcp, tmp_path / "key.json", page_size=2)
    assert paged.errors == []
    assert sorted(o.id for o in paged.observations) == sorted(o.id for o in whole.observations)
    # Two a page: 61 resources, 6 hierarchy and 1 organisation policies; 3 projects, 3 bucket
    # policies; each zone's two VMs at most (no second page).
    assert len([a for a in gcp.org.assets if not a["assetType"].startswith("cloudresourcemanager")]) == 61
    assert gcp.calls() == {
        "ListAssets": 31 + 3 + 1, "SearchAllResources": 2, "SearchAllIamPolicies": 2, **osconfig
    }  # fmt: skip
    tokens = [q.get("pageToken") for m, _, q in gcp.requests if m == "SearchAllResources"]
    assert tokens[0] is None and tokens[1] is not None


def test_page_sizes_stay_within_each_methods_limit(gcp: FakeGcp, tmp_path: Path) -> None:
    # The searches refuse pages over 500 (400 INVALID_ARGUMENT); listings allow 1000.
    collection = collect(gcp, tmp_path / "key.json", page_size=1000)
    assert collection.errors == []
    sizes = {(m, q["pageSize"][0]) for m, _, q in gcp.requests}
    assert sizes == {
        ("ListAssets", "1000"), ("SearchAllResources", "500"), ("SearchAllIamPolicies", "500"),
        ("ListInventories", "100"), ("ListVulnerabilityReports", "100"), ("ListFindings", "1000"),
    }  # fmt: skip


def test_throttling_and_server_errors_are_retried(gcp: FakeGcp, tmp_path: Path) -> None:
    gcp.add_fault(r"/assets$", "throttle", times=2)
    gcp.add_fault(r":searchAllIamPolicies$", "unavailable", times=1)
    gcp.add_fault(r":searchAllResources$", "malformed", times=1)
    collection = collect(gcp, tmp_path / "key.json")
    assert collection.errors == []
    assert len(by_name(collection, "storage.bucket")) == 3
    assert gcp.calls() == {
        "ListAssets": 5, "SearchAllResources": 2, "SearchAllIamPolicies": 2,
        "ListInventories": 2, "ListVulnerabilityReports": 2, "ListFindings": 1,
    }  # fmt: skip


def test_a_listing_that_keeps_failing_is_an_error_for_its_readers_only(gcp: FakeGcp, tmp_path: Path) -> None:
    gcp.add_fault(r":searchAllIamPolicies$", "error")
    collection = collect(gcp, tmp_path / "key.json", max_attempts=2)
    [error] = collection.errors
    assert error.scope == "gcp:organizations/123456789012"
    assert error.types == ("storage.bucket",) and error.service == "gcp.storage"
    assert error.message.startswith(
        "cloudasset SearchAllIamPolicies failed for organizations/123456789012: HTTP 500"
    )
    assert "Internal error encountered." in error.message
    assert gcp.calls()["SearchAllIamPolicies"] == 2  # max_attempts
    assert by_name(collection, "storage.bucket") == {}  # a partial population would look complete
    assert len(by_name(collection, "database.instance")) == 2  # the rest is read
    assert len(by_name(collection, "monitoring.threat_detection")) == 3
    failed = [r for r in collection.scopes if r.error]
    assert len(failed) == 1 and failed[0].scope == error.scope


def test_one_unreadable_scope_leaves_the_others(gcp: FakeGcp, tmp_path: Path) -> None:
    collection = collect(
        gcp,
        tmp_path / "key.json",
        organization=None,
        projects=["acme-prod", "not-in-this-org"],
        folders=["300000000002"],
    )
    failed = {e.scope for e in collection.errors}
    assert failed == {"gcp:projects/not-in-this-org"}
    [error] = collection.errors  # one for the whole scope, every type
    assert error.message.startswith(
        "cloudasset ListAssets failed for projects/not-in-this-org: HTTP 403 PERMISSION_DENIED"
    )
    assert "storage.bucket" in error.types and "identity.role_binding" in error.types
    assert {o.scope for o in collection.observations} == {
        "gcp:projects/acme-prod",
        "gcp:folders/300000000002",
    }
    buckets = {o.name: o.scope for o in collection.observations if o.type == "storage.bucket"}
    assert buckets == {
        "acme-prod-records": "gcp:projects/acme-prod",
        "acme-sandbox-scratch": "gcp:folders/300000000002",
    }
    # 403 is not retried.
    assert sum(1 for _, path, _ in gcp.requests if "not-in-this-org" in path) == 5  # one per listing


def test_a_quota_project_without_the_cloud_asset_api_is_one_message_with_the_fix(
    gcp: FakeGcp, tmp_path: Path
) -> None:
    gcp.api_disabled_in = "100000000009"  # Google then refuses every call: SERVICE_DISABLED
    collection = collect(gcp, tmp_path / "key.json")
    assert collection.observations == []
    messages = {e.message for e in collection.errors}
    assert len(messages) == 1
    (message,) = messages
    assert "gcloud services enable cloudasset.googleapis.com --project=100000000009" in message
