"""Azure Update Manager's latest assessments as `compute.patch_state`, read by the real
azure-mgmt-compute client (the VM listing, then each VM's instance view) from the ARM fake,
and `patch-security-current`'s verdicts: assessed and current, missing security updates,
never assessed, and a VM whose instance view cannot be read (`error`, never `fail`)."""

from __future__ import annotations

from evidra.emulators.azure_server import FakeAzure
from tests.collectors.azure.azure_support import collect
from tests.collectors.patching_support import patch_verdicts


def test_assessments_and_their_patch_verdicts(azure: FakeAzure) -> None:
    collection = collect(azure)

    assert collection.errors == []
    states = {o.name: o for o in collection.observations if o.type == "compute.patch_state"}
    legacy = states["vm-legacy-01"]
    assert legacy.id.endswith("/rg-prod/providers/Microsoft.Compute/virtualMachines/vm-legacy-01")
    assert {k: v for k, v in legacy.attributes.items() if k != "last_assessed"} == {
        "instance": "vm-legacy-01", "source": "update_manager", "os": "ubuntu 22.04", "assessed": True,
        "compliance": "Succeeded", "missing_security": 3, "missing_other": 0, "region": "westeurope",
    }  # fmt: skip
    assert legacy.raw["patchStatus"]["availablePatchSummary"]["criticalAndSecurityPatchCount"] == 3
    assert states["vm-build-01"].attributes["assessed"] is False
    assert "vm-spare-01" not in states  # deallocated: neither patched nor assessed
    # Read, never triggered: the listing and one instance view per VM, all GETs.
    reads = [p for host, method, p, _ in azure.requests if host == "arm" and "virtualmachines" in p.lower()]
    assert sum(p.endswith("/instanceView") for p in reads) == 4
    assert not [r for r in azure.requests if r[0] == "arm" and r[1] != "GET"]

    judged = patch_verdicts(collection)
    assert judged["vm-web-01"][0] == "pass"  # only non-security updates pending
    assert judged["vm-legacy-01"] == ("fail", "3 security patches missing, the oldest since not set")
    assert judged["vm-build-01"] == ("fail", "never assessed by update_manager")


def test_an_unreadable_instance_view_is_an_error_for_that_vm_only(azure: FakeAzure) -> None:
    azure.add_fault(r"/virtualMachines/vm-legacy-01/instanceView$", "error")

    collection = collect(azure)

    judged = patch_verdicts(collection)
    assert judged["vm-legacy-01"][0] == "error" and "500" in judged["vm-legacy-01"][1]
    assert judged["vm-web-01"][0] == "pass" and judged["vm-build-01"][0] == "fail"
