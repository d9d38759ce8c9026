"""Leavers' devices (device-offboarding-wipe, endpoint.offboarding_wipe): the real Jamf
collector (jamf-pro-sdk on the local Jamf Pro over HTTPS) over three runs, its devices
matched to the roster's leavers by the people view's aliases.

    carol   left 22 days ago; her MacBook still managed        fail: still holds data
            then reassigned to alice (returned), 21 days late  fail: late, reassigned
    dave    contractor, left 5 days ago; MacBook managed       pending: not judged yet
            then unenrolled within the 168 hours               pass: unenrolled
            then gone from Jamf                                pass, its time kept
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest

from evidra.collectors.jamf.collector import JamfCollector
from evidra.config.loader import LoadedConfig
from evidra.emulators.jamf_server import FakeJamf
from evidra.model import Status, utcnow
from tests.collectors.jamf.conftest import settings as jamf_settings
from tests.people.people_support import (
    one_run,
    package_files,
    results_of,
    roster_config,
)

CONTROL = "device-offboarding-wipe"
CAROL = "people:offboarding/carol.leaver@acme.example/jamf/jamf:127.0.0.1/computers/3"
DAVE = "people:offboarding/dave.contractor@acme.example/jamf/jamf:127.0.0.1/computers/4"


@pytest.fixture
def config(tmp_path: Path, settings) -> LoadedConfig:
    aliases = {
        "carol@acme.example": "carol.leaver@acme.example",
        "dave@acme.example": "dave.contractor@acme.example",
        "alice@acme.example": "alice.admin@acme.example",
    }
    return roster_config(tmp_path, settings, aliases=aliases)


def _computer(jamf: FakeJamf, name: str) -> dict:
    return next(c for c in jamf.computers if c["general"]["name"] == name)


def _events(outcome) -> dict:
    return {o.id: o for o in outcome.collection.observations if o.type == "endpoint.offboarding"}


def test_leavers_devices_are_cleared_within_the_deadline(
    config: LoadedConfig, jamf: FakeJamf, tmp_path: Path
) -> None:
    def run(days_later: int):
        collected = JamfCollector(jamf_settings(jamf)).collect()
        assert not collected.errors, collected.errors
        return one_run(config, [], now=utcnow() + timedelta(days=days_later), more=collected)

    first = run(0)
    results = results_of(first, CONTROL)
    assert results[CAROL].status is Status.FAIL
    assert "still holds company data" in results[CAROL].reason and "jamf:carol-mbp" in results[CAROL].reason
    assert DAVE not in results  # within the deadline: pending, not judged
    assert _events(first)[DAVE].attributes["cleared"] is False

    # Dave's MacBook is unenrolled; Carol's comes back and goes to Alice.
    _computer(jamf, "dave-mbp")["general"]["remoteManagement"]["managed"] = False
    carol_mbp = _computer(jamf, "carol-mbp")
    carol_mbp["userAndLocation"]["email"] = "alice@acme.example"
    second = run(1)
    results = results_of(second, CONTROL)
    assert results[DAVE].status is Status.PASS and "(unenrolled)" in results[DAVE].reason
    dave = _events(second)[DAVE].attributes
    assert dave["cleared_by"] == "unenrolled" and dave["hours_to_clear"] < 168
    assert results[CAROL].status is Status.FAIL
    assert "cleared (reassigned)" in results[CAROL].reason and "policy allows 168" in results[CAROL].reason

    # Dave's MacBook leaves Jamf: still cleared, at the time the second run saw it.
    jamf.computers.remove(_computer(jamf, "dave-mbp"))
    third = run(2)
    assert results_of(third, CONTROL)[DAVE].status is Status.PASS
    assert _events(third)[DAVE].attributes == dave

    # The auditor's package: each leaver's devices, when each was cleared, the delay.
    rows = csv.DictReader(
        io.StringIO(
            package_files(config.settings.database, tmp_path, third.finished_at)["people/leaver_devices.csv"]
        )
    )
    devices = {r["device"]: r for r in rows}
    assert (
        devices["jamf:dave-mbp"]["status"] == "on time"
        and devices["jamf:dave-mbp"]["cleared_by"] == "unenrolled"
    )
    carol = devices["jamf:carol-mbp"]
    assert (
        carol["status"] == "late" and carol["cleared_by"] == "reassigned" and float(carol["hours_late"]) > 300
    )
    assert carol["deadline_hours"] == "168" and carol["email"] == "carol.leaver@acme.example"


def test_a_failed_device_read_says_nothing_new_about_a_leavers_device(
    config: LoadedConfig, jamf: FakeJamf
) -> None:
    one_run(config, [], more=JamfCollector(jamf_settings(jamf)).collect())
    jamf.add_fault(r"computers-inventory", "error", times=10)
    failed = JamfCollector(jamf_settings(jamf, max_attempts=1)).collect()
    assert failed.errors
    outcome = one_run(config, [], now=utcnow() + timedelta(days=1), more=failed)
    # Not read: neither "gone" (cleared) nor judged again from stale data.
    assert CAROL not in _events(outcome)
