"""Device coverage without a roster (device-coverage-identity, endpoint.mdm_enrolment):
Google Workspace's users (the real client on the Admin SDK fake) against Jamf Pro's
computers (jamf-pro-sdk on the local Jamf Pro), collected as a daemon does, one provider
per run, each run judging with the other side as the store last saw it.

    run 1  google_workspace only, no device ever read      not readable (error)
    run 2  jamf only: users from run 1                     bob.builder has bob-mbp: pass,
                                                           the others: fail; carol (suspended) not judged
    run 3  google_workspace only: devices from run 2       the same verdicts
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evidra.config.loader import LoadedConfig
from evidra.config.settings import Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.requirements import default_parameters
from evidra.emulators.jamf_server import FakeJamf
from evidra.model import Status
from evidra.runner import run, store
from tests.collectors.jamf.conftest import settings as jamf_settings

CONTROL = "device-coverage-identity"


@pytest.fixture
def config(tmp_path: Path, settings, jamf: FakeJamf) -> LoadedConfig:
    bob_mbp = next(c for c in jamf.computers if c["general"]["name"] == "bob-mbp")
    bob_mbp["userAndLocation"]["email"] = "Bob.Builder@acme.example"  # the MDM's owner, any case
    return LoadedConfig(
        Settings(
            database=f"sqlite:///{tmp_path / 'evidra.db'}",
            providers=Providers(google_workspace=settings, jamf=jamf_settings(jamf)),
        ),
        None,
        default_parameters(),
    )


def _verdicts(config: LoadedConfig, provider: str) -> dict[str, tuple[Status, str]]:
    outcome = run(config, select(None), [provider])
    store(outcome, config.settings.database)
    names = {o.id: o.name for o in outcome.collection.observations if o.type == "endpoint.coverage"}
    return {names[r.resource.id]: (r.status, r.reason) for r in outcome.results if r.control == CONTROL}


def test_workstation_users_against_devices_one_provider_per_run(config: LoadedConfig) -> None:
    first = _verdicts(config, "google_workspace")
    assert first and {status for status, _ in first.values()} == {Status.ERROR}
    assert "no device management" in next(iter(first.values()))[1]

    second = _verdicts(config, "jamf")
    status = {name: s for name, (s, _) in second.items()}
    assert status["google_workspace:bob.builder@acme.example"] is Status.PASS
    assert "jamf:bob-mbp" in second["google_workspace:bob.builder@acme.example"][1]
    assert status["google_workspace:dave.contractor@acme.example"] is Status.FAIL
    assert "google_workspace:carol.leaver@acme.example" not in status  # suspended: nobody's workstation
    assert set(status.values()) == {Status.PASS, Status.FAIL}

    third = _verdicts(config, "google_workspace")
    assert {name: s for name, (s, _) in third.items()} == status


def test_without_device_management_configured_coverage_is_not_judged(tmp_path: Path, settings) -> None:
    config = LoadedConfig(
        Settings(
            database=f"sqlite:///{tmp_path / 'evidra.db'}", providers=Providers(google_workspace=settings)
        ),
        None,
        default_parameters(),
    )
    assert _verdicts(config, "google_workspace") == {}
