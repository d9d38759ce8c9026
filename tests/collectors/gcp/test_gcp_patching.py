"""OS Config's inventories and vulnerability reports as `compute.patch_state`, read by the
real google-cloud-os-config client (REST) from the GCP fake, and `patch-security-current`'s
verdicts: patched, a critical fix missing past the deadline, never reported, and a project
whose OS Config API is off (not readable: `error`, never `fail`)."""

from __future__ import annotations

from pathlib import Path

from evidra.emulators.gcp_estate import add_vm
from evidra.emulators.gcp_server import FakeGcp
from tests.collectors.gcp.gcp_support import by_name, collect
from tests.collectors.patching_support import patch_verdicts

SANDBOX = "100000000003"  # acme-sandbox's project number


def test_patch_states_from_inventories_and_vulnerability_reports(gcp: FakeGcp, tmp_path: Path) -> None:
    # A third VM in acme-prod's zone, so that a page of two leaves a second page.
    add_vm(gcp.org, "acme-prod", "batch-1", updates=(("curl", "7.88.1-10+deb12u8", "HIGH", 3),))

    collection = collect(gcp, tmp_path / "key.json", page_size=2)

    assert collection.errors == []
    states = by_name(collection, "compute.patch_state")
    assert sorted(states) == ["api-1", "batch-1", "scratch-vm", "web-1"]
    api = states["api-1"]
    assert api.id == "//compute.googleapis.com/projects/acme-prod/zones/europe-west1-b/instances/api-1"
    assert api.attributes["oldest_missing_critical"] == api.attributes["oldest_missing_security"]
    assert {k: v for k, v in api.attributes.items() if not k.startswith(("oldest", "last"))} == {
        "instance": "api-1", "source": "osconfig", "os": "Debian GNU/Linux 12 (bookworm)",
        "assessed": True, "compliance": "CRITICAL", "missing_critical": 1, "missing_security": 1,
        "missing_other": 0, "region": "europe-west1-b",
    }  # fmt: skip
    assert list(api.raw["inventory"]["availableItems"]) == ["availablePackage-openssl:amd64:3.0.14-1~deb12u1"]
    assert states["web-1"].attributes["missing_other"] == 1  # an update fixing no CVE
    assert states["batch-1"].attributes["missing_critical"] == 0
    assert states["scratch-vm"].attributes["assessed"] is False
    # Two pages of each report in acme-prod's zone, one in acme-sandbox's.
    assert gcp.calls()["ListInventories"] == 3 and gcp.calls()["ListVulnerabilityReports"] == 3
    views = {q.get("view", [""])[0] for m, _, q in gcp.requests if m == "ListInventories"}
    assert views == {"2"}  # FULL: the available updates

    judged = patch_verdicts(collection)
    assert judged["web-1"][0] == "pass"
    assert judged["batch-1"][0] == "pass"  # a high CVE fix missing for 3 of 30 days
    assert judged["api-1"][0] == "fail" and judged["api-1"][1].startswith(
        "1 critical patches missing, the oldest"
    )
    assert judged["scratch-vm"] == ("fail", "never assessed by osconfig")


def test_a_project_without_the_os_config_api_is_not_readable(gcp: FakeGcp, tmp_path: Path) -> None:
    gcp.org.osconfig_disabled.add(SANDBOX)

    collection = collect(gcp, tmp_path / "key.json")

    scratch = by_name(collection, "compute.patch_state")["scratch-vm"]
    reason = scratch.attributes["unreadable"]["assessed"]
    assert "HTTP 403 PERMISSION_DENIED" in reason
    assert f"gcloud services enable osconfig.googleapis.com --project={SANDBOX}" in reason
    judged = patch_verdicts(collection)
    assert judged["scratch-vm"][0] == "error"
    assert judged["api-1"][0] == "fail" and judged["web-1"][0] == "pass"  # the other project is read


def test_throttling_is_retried_then_not_readable(gcp: FakeGcp, tmp_path: Path) -> None:
    gcp.add_fault(r"/vulnerabilityReports$", "throttle", times=1)
    assert patch_verdicts(collect(gcp, tmp_path / "key.json"))["api-1"][0] == "fail"  # retried, then read

    gcp.add_fault(r"europe-west1-b/instances/-/vulnerabilityReports$", "throttle")
    judged = patch_verdicts(collect(gcp, tmp_path / "key.json", max_attempts=2))

    assert judged["api-1"][0] == "error" and "429 RESOURCE_EXHAUSTED" in judged["api-1"][1]
    assert judged["scratch-vm"][0] == "fail"  # the other zone was read
