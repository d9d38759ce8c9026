"""Google endpoint management through the real google-api-python-client against the
Cloud Identity devices API fake: devices with their owners as endpoint.device, paging,
429s, a domain without endpoint management, and the device controls judging them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from evidra.collectors.google_workspace.collector import GoogleWorkspaceCollector
from evidra.config.settings import GOOGLE_WORKSPACE_DEVICES_SCOPE, GOOGLE_WORKSPACE_SCOPES
from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.model import Collection, Status


def devices_of(collection):
    return {o.attributes["owner"]: o for o in collection.observations if o.type == "endpoint.device"}


def test_devices_are_read_only_when_asked(workspace, settings):
    collection = GoogleWorkspaceCollector(settings).collect()
    assert devices_of(collection) == {}
    assert workspace.calls()["devices.list"] == 0
    assert [set(g["scope"].split()) for g in workspace.grants] == [set(GOOGLE_WORKSPACE_SCOPES)]


def test_devices_with_their_owners_as_endpoint_devices(workspace, settings):
    collection = GoogleWorkspaceCollector(settings.model_copy(update={"devices": True})).collect()
    assert collection.errors == []
    devices = devices_of(collection)
    assert set(devices) == {
        "bob.builder@acme.example",
        "alice.admin@acme.example",
        "carol.leaver@acme.example",
        "erin.newhire@acme.example",
    }
    mac = devices["bob.builder@acme.example"]
    assert mac.id == "google_workspace:my_customer/devices/dev0001"
    assert mac.attributes | {"last_check_in": None} == mac.attributes | {
        "platform": "macOS",
        "kind": "workstation",
        "managed": True,
        "encrypted": True,
        "os_version": "14.6.1",
        "os_major": 14,
        "last_check_in": None,
        "screen_lock_minutes": None,
        "passcode_required": True,
        "malware_protection": None,
        "compromised": False,
    }
    assert mac.attributes["last_check_in"].endswith("Z")
    assert set(mac.attributes["unreadable"]) == {"screen_lock_minutes", "malware_protection"}
    assert "wifiMacAddresses" not in json.dumps(mac.raw) and "hostname" not in json.dumps(mac.raw)
    windows = devices["alice.admin@acme.example"].attributes
    assert (windows["encrypted"], windows["os_major"], windows["os_build"]) == (False, 10, 22631)
    phone = devices["carol.leaver@acme.example"].attributes
    assert (phone["kind"], phone["managed"], phone["malware_protection"]) == ("mobile", False, True)
    assert (phone["management_state"], mac.attributes["management_state"]) == ("wiped", "managed")
    assert devices["erin.newhire@acme.example"].attributes["compromised"] is True
    # Pages of two (page_size 2): devices in 2, every device's users in 2 (parent devices/-).
    assert workspace.calls()["devices.list"] == 2 and workspace.calls()["devices.deviceUsers.list"] == 2
    devices_queries = [q for op, q in workspace.requests if op == "devices.list"]
    assert all(q["customer"] == ["customers/my_customer"] for q in devices_queries)
    # The devices API has a token of its own scope, asked for only now.
    assert [g["scope"] for g in workspace.grants if "cloud-identity" in g["scope"]] == [
        GOOGLE_WORKSPACE_DEVICES_SCOPE
    ]


def test_429s_on_the_devices_api_are_retried(workspace, settings):
    workspace.add_fault(r"^/v1/devices$", "throttle", times=1)
    workspace.add_fault(r"/deviceUsers$", "throttle", times=1)
    collection = GoogleWorkspaceCollector(settings.model_copy(update={"devices": True})).collect()
    assert collection.errors == []
    assert len(devices_of(collection)) == 4
    assert workspace.calls()["devices.list"] == 3


def test_a_domain_without_endpoint_management_is_an_error_naming_it(workspace, settings):
    workspace.domain.endpoint_management = False
    collection = GoogleWorkspaceCollector(settings.model_copy(update={"devices": True})).collect()
    (error,) = collection.errors
    assert error.types == ("endpoint.device",)
    assert "HTTP 403" in error.message and "endpoint management" in error.message
    assert "cloud-identity.devices.readonly" in error.message
    assert devices_of(collection) == {}
    assert len([o for o in collection.observations if o.type == "identity.user"]) == 6  # the rest reports


def test_a_delegation_without_the_devices_scope_fails_the_devices_alone(workspace, settings):
    workspace.delegated.discard(GOOGLE_WORKSPACE_DEVICES_SCOPE)
    collection = GoogleWorkspaceCollector(settings.model_copy(update={"devices": True})).collect()
    (error,) = collection.errors
    assert error.types == ("endpoint.device",) and "credentials refused" in error.message
    assert len([o for o in collection.observations if o.type == "identity.user"]) == 6


def test_the_device_controls_judge_google_devices_unchanged(workspace, settings):
    collection = GoogleWorkspaceCollector(settings.model_copy(update={"devices": True})).collect()
    only = Collection(observations=[o for o in collection.observations if o.type == "endpoint.device"])
    results = evaluate(select(None), only, default_parameters(), datetime.now(UTC), [])
    verdict = {(r.control, r.resource.id.rsplit("/", 1)[1]): r for r in results}
    assert verdict[("device-disk-encryption", "dev0001")].status is Status.PASS
    assert verdict[("device-disk-encryption", "dev0002")].status is Status.FAIL
    assert verdict[("device-managed", "dev0002")].status is Status.FAIL  # last synced 40 days ago
    assert verdict[("device-managed", "dev0003")].status is Status.FAIL  # wiped
    assert verdict[("device-os-current-macos", "dev0001")].status is Status.PASS
    assert ("device-os-current-windows", "dev0002") in verdict
    lock = verdict[("device-screen-lock", "dev0001")]
    assert lock.status is Status.ERROR and "could not be read" in lock.reason
    assert verdict[("device-malware-protection", "dev0001")].status is Status.ERROR
    assert verdict[("mobile-device-screen-lock", "dev0004")].status is Status.ERROR
