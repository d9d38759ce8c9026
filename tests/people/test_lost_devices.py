"""Lost devices (lost-device-wiped, endpoint.lost_device_response): the real Jamf
collector on the local Jamf Pro over four runs a day apart, no roster.

    bob-iphone    marked lost (Lost Mode: locked)          pass: within the day
                  still lost two days later                fail: not wiped
                  gone from Jamf (wiped, removed)          fail: cleared 72 h after, 1 day allowed
    alice-iphone  marked lost, then Lost Mode disabled     pass: recovered within the day
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from evidra.collectors.jamf.collector import JamfCollector
from evidra.config.loader import LoadedConfig
from evidra.config.settings import Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.emulators.jamf_server import FakeJamf
from evidra.model import Status, utcnow
from evidra.people.view import people_view
from evidra.runner import RunOutcome, store
from tests.collectors.jamf.conftest import settings as jamf_settings

CONTROL = "lost-device-wiped"
BOB = "people:lost/jamf/jamf:127.0.0.1/mobile-devices/2"
ALICE = "people:lost/jamf/jamf:127.0.0.1/mobile-devices/1"


@pytest.fixture
def config(tmp_path: Path, jamf: FakeJamf) -> LoadedConfig:
    return LoadedConfig(
        Settings(
            database=f"sqlite:///{tmp_path / 'evidra.db'}", providers=Providers(jamf=jamf_settings(jamf))
        ),
        None,
        default_parameters(),
    )


def _run(config: LoadedConfig, jamf: FakeJamf, at: datetime) -> dict[str, tuple[Status, str]]:
    collection = people_view(config, JamfCollector(jamf_settings(jamf)).collect(), at)
    controls = select(None)
    results = evaluate(controls, collection, config.parameters, at, [])
    outcome = RunOutcome(
        id=str(uuid.uuid4()), started_at=at, finished_at=at, providers=["jamf"], controls=controls,
        collection=collection, results=results, parameters=config.parameters,
    )  # fmt: skip
    store(outcome, config.settings.database)
    return {r.resource.id: (r.status, r.reason) for r in results if r.control == CONTROL}


def _phone(jamf: FakeJamf, name: str) -> dict:
    return next(d for d in jamf.mobile_devices if d["general"]["displayName"] == name)


def test_a_lost_device_is_wiped_within_the_deadline(config: LoadedConfig, jamf: FakeJamf) -> None:
    start = utcnow()
    _phone(jamf, "bob-iphone")["security"]["lostModeEnabled"] = True
    _phone(jamf, "alice-iphone")["security"]["lostModeEnabled"] = True
    first = _run(config, jamf, start)
    assert {rid: status for rid, (status, _) in first.items()} == {ALICE: Status.PASS, BOB: Status.PASS}

    _phone(jamf, "alice-iphone")["security"]["lostModeEnabled"] = False  # found
    second = _run(config, jamf, start + timedelta(hours=20))
    assert second[ALICE][0] is Status.PASS and "cleared: recovered" in second[ALICE][1]
    assert second[BOB][0] is Status.PASS and "cleared: not set" in second[BOB][1]  # pending

    third = _run(config, jamf, start + timedelta(days=2))
    assert third[BOB][0] is Status.FAIL and "not wiped within 1 days" in third[BOB][1]
    assert third[ALICE][0] is Status.PASS  # the recovery stays as first seen

    jamf.mobile_devices.remove(_phone(jamf, "bob-iphone"))
    fourth = _run(config, jamf, start + timedelta(days=3))
    assert fourth[BOB][0] is Status.FAIL
    assert "not wiped within 1 days (cleared: removed" in fourth[BOB][1]


def test_an_unread_device_management_keeps_the_lost_device_as_it_was(
    config: LoadedConfig, jamf: FakeJamf
) -> None:
    start = utcnow()
    _phone(jamf, "bob-iphone")["security"]["lostModeEnabled"] = True
    _run(config, jamf, start)
    jamf.add_fault(r"mobile-devices", "error", times=10)
    # Not read: neither "removed" (a pass at the deadline) nor forgotten; judged as still lost.
    from evidra.people.view import load_stored

    print("STORED", load_stored(config.settings.database, start + timedelta(days=2)).lost.keys())
    collected = JamfCollector(jamf_settings(jamf)).collect()
    print(
        "ERR",
        [(e.provider, e.scope, e.types) for e in collected.errors],
        [(s.provider, s.scope) for s in collected.scopes],
    )
    later = _run(config, jamf, start + timedelta(days=2))
    assert later[BOB][0] is Status.FAIL and "not wiped" in later[BOB][1]
