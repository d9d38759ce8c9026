"""Intune's managed devices through Graph (opt-in `intune: true`): what each device's
applied and complied-with compliance policies prove, a tenant without Intune, and the
device controls' verdicts."""

from __future__ import annotations

from datetime import UTC, datetime

from evidra.controls.catalog import catalog
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.emulators.azure_server import FakeAzure
from evidra.model import Collection
from tests.collectors.azure.azure_support import by_name, collect


def test_intune_devices_are_read_only_when_asked(azure: FakeAzure) -> None:
    assert by_name(collect(azure), "endpoint.device") == {}
    assert not [p for _, _, p, _ in azure.requests if "deviceManagement" in p]
    devices = by_name(collect(azure, intune=True), "endpoint.device")
    assert sorted(devices) == ["ALICE-LAPTOP", "BOB-LAPTOP", "carol-mac", "dave-iphone"]
    alice, bob, carol, dave = (devices[n].attributes for n in sorted(devices))
    # A setting counts only through a policy the device complies with.
    assert alice["screen_lock_minutes"] == 5 and alice["malware_protection"] is True
    assert bob["screen_lock_minutes"] is None and bob["malware_protection"] is False
    assert bob["encrypted"] is False and alice["encrypted"] is True
    assert carol["screen_lock_minutes"] == 30 and carol["malware_protection"] is None
    assert dave["kind"] == "mobile" and dave["os_major"] == 16
    assert alice["owner"] == "alice@acme.onmicrosoft.com" and alice["kind"] == "workstation"
    # One policy-state listing per device, beside the two tenant listings.
    states = [p for _, _, p, _ in azure.requests if p.endswith("/deviceCompliancePolicyStates")]
    assert len(states) == 4


def test_device_controls_judge_intune_devices(azure: FakeAzure) -> None:
    collection = collect(azure, intune=True)
    devices = Collection()
    devices.observations.extend(o for o in collection.observations if o.type == "endpoint.device")
    names = {o.id: o.name for o in devices.observations}
    results = evaluate(list(catalog().values()), devices, default_parameters(), datetime.now(UTC))
    seen = {(r.control, names[r.resource.id]): r.status.value for r in results}
    expected = {
        ("device-disk-encryption", "BOB-LAPTOP"): "fail",
        ("device-disk-encryption", "ALICE-LAPTOP"): "pass",
        ("device-screen-lock", "ALICE-LAPTOP"): "pass",
        ("device-screen-lock", "carol-mac"): "fail",
        ("device-malware-protection", "ALICE-LAPTOP"): "pass",
        ("device-malware-protection", "BOB-LAPTOP"): "fail",
        ("device-os-current-ios", "dave-iphone"): "fail",
        ("device-managed", "dave-iphone"): "fail",  # last sync 40 days ago
    }
    assert {k: seen.get(k) for k in expected} == expected


def test_a_tenant_without_intune_is_an_error_naming_the_licence(azure: FakeAzure) -> None:
    azure.tenant.intune = False
    collection = collect(azure, intune=True)
    [error] = [e for e in collection.errors if e.service == "azure.intune"]
    assert "400 BadRequest" in error.message and "no Intune licence" in error.message
    assert error.types == ("endpoint.device",)
    assert by_name(collection, "identity.user")  # the directory's other readers still report


def test_a_retire_or_wipe_issued_is_the_devices_management_state(azure: FakeAzure) -> None:
    # managedDevice.managementState (Graph v1.0 enum): a retire or wipe issued or pending
    # means company data is being removed, in endpoint.device's words.
    devices = {d["deviceName"]: d for d in azure.tenant.graph["/deviceManagement/managedDevices"]}
    devices["carol-mac"]["managementState"] = "retireIssued"
    devices["BOB-LAPTOP"]["managementState"] = "wipePending"
    seen = by_name(collect(azure, intune=True), "endpoint.device")
    state = {name: o.attributes["management_state"] for name, o in seen.items()}
    assert state == {
        "ALICE-LAPTOP": "managed",
        "BOB-LAPTOP": "wipe_pending",
        "carol-mac": "retire_pending",
        "dave-iphone": "managed",
    }
    assert seen["carol-mac"].attributes["managed"] is False


def test_windows_release_and_jailbreak_are_judged(azure: FakeAzure) -> None:
    devices = {d["deviceName"]: d for d in azure.tenant.graph["/deviceManagement/managedDevices"]}
    devices["dave-iphone"]["jailBroken"] = "True"
    collection = collect(azure, intune=True)
    seen = by_name(collection, "endpoint.device")
    assert (
        seen["ALICE-LAPTOP"].attributes["os_build"] == 22631
        and seen["carol-mac"].attributes["os_build"] is None
    )
    assert seen["dave-iphone"].attributes["compromised"] is True
    assert seen["BOB-LAPTOP"].attributes["compromised"] is False
    only = Collection()
    only.observations.extend(o for o in collection.observations if o.type == "endpoint.device")
    names = {o.id: o.name for o in only.observations}
    # Windows 11 23H2 allowed here: 10 22H2 (19045) is not.
    parameters = default_parameters() | {"endpoint.os_currency.min_windows_build": 22631}
    results = evaluate(list(catalog().values()), only, parameters, datetime.now(UTC))
    seen_status = {(r.control, names[r.resource.id]): r.status.value for r in results}
    assert seen_status[("device-os-current-windows", "ALICE-LAPTOP")] == "pass"
    assert seen_status[("device-os-current-windows", "BOB-LAPTOP")] == "fail"
    assert seen_status[("device-not-jailbroken", "dave-iphone")] == "fail"
    assert ("device-os-current-windows", "carol-mac") not in seen_status
