"""Device coverage against the roster (device-coverage-roster, endpoint.mdm_enrolment): the
roster and Google Workspace (the real client on the Admin SDK fake) give who works on a
workstation; Jamf- and Intune-shaped `endpoint.device` observations give their computers,
matched to people by email (any case) or the people view's aliases.

    it-admin   Jamf MacBook, owner it-admin@acme.example           pass
    alice      Intune laptop, owner ALICE.ADMIN@acme.example       pass (case)
    bob        Jamf MacBook, owner `bbuilder` (alias jamf:bbuilder) pass
    erin       a managed iPhone, and an unenrolled MacBook          fail: named
    dave       contractor whose contract ended                      not judged
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evidra.collectors.base import observation
from evidra.config.loader import LoadedConfig
from evidra.model import Observation, ScopeError, Status, utcnow
from tests.people.people_support import one_run, results_of, roster_config

CONTROL = "device-coverage-roster"


@pytest.fixture
def config(tmp_path: Path, settings) -> LoadedConfig:
    return roster_config(tmp_path, settings, aliases={"jamf:bbuilder": "bob.builder@acme.example"})


def _device(
    provider: str, ident: str, owner: str | None, *, kind: str = "workstation", managed: bool = True
) -> Observation:
    return observation(
        provider,
        "jamf:acme" if provider == "jamf" else "azure:tenant/intune",
        "test",
        utcnow(),
        "endpoint.device",
        ident,
        name=ident,
        attributes={"owner": owner, "kind": kind, "managed": managed, "platform": "macOS"},
        raw={"id": ident},
        calls=[],
    )


DEVICES = [
    _device("jamf", "ITADMIN-MBP", "it-admin@acme.example"),
    _device("azure", "ALICE-LAPTOP", "ALICE.ADMIN@acme.example"),
    _device("jamf", "BOB-MBP", "bbuilder"),
    _device("jamf", "ERIN-IPHONE", "erin.newhire@acme.example", kind="mobile"),
    _device("jamf", "ERIN-MBP", "erin.newhire@acme.example", managed=False),
]


def test_every_active_person_with_a_workstation_account_has_a_managed_computer(config):
    results = results_of(one_run(config, DEVICES), CONTROL)
    status = {rid.removeprefix("people:person/"): r.status for rid, r in results.items()}
    assert status == {
        "it-admin@acme.example": Status.PASS,
        "alice.admin@acme.example": Status.PASS,
        "bob.builder@acme.example": Status.PASS,
        "erin.newhire@acme.example": Status.FAIL,
    }
    erin = results["people:person/erin.newhire@acme.example"].reason
    assert "erin.newhire@acme.example" in erin and "google_workspace:erin.newhire@acme.example" in erin
    assert "jamf:BOB-MBP" in results["people:person/bob.builder@acme.example"].reason


def test_a_run_without_device_management_keeps_the_previous_devices_or_says_it_could_not_judge(config):
    first = one_run(config, [])
    assert {r.status for r in results_of(first, CONTROL).values()} == {Status.ERROR}
    assert "no device management" in next(iter(results_of(first, CONTROL).values())).reason

    one_run(config, DEVICES)
    third = results_of(one_run(config, []), CONTROL)  # a run of other providers: the devices are kept
    assert third["people:person/bob.builder@acme.example"].status is Status.PASS
    assert third["people:person/erin.newhire@acme.example"].status is Status.FAIL


def test_a_failed_device_read_is_an_error_for_people_without_a_device_not_a_fail(config):
    failed = ScopeError("jamf", "jamf:acme", "HTTP 503", "computers", ("endpoint.device",))
    outcome = one_run(config, [DEVICES[1]], errors=[failed])
    results = results_of(outcome, CONTROL)
    assert results["people:person/alice.admin@acme.example"].status is Status.PASS
    erin = results["people:person/erin.newhire@acme.example"]
    assert erin.status is Status.ERROR and "jamf:acme" in erin.reason
