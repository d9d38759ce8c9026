"""IAM Identity Center users from moto through boto3: read once per run in the caller's
account, matched by the people view to the roster (a leaver whose Identity Center user
survives fails the deprovisioning control)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from evidra.config.loader import LoadedConfig
from evidra.config.settings import AwsSettings, PeopleSettings, Providers, Settings
from evidra.controls.requirements import default_parameters
from evidra.model import Collection, Observation, Status
from tests.collectors.aws.aws_support import TEST_REGIONS, run_collector
from tests.collectors.aws.identity_center_support import seed_identity_center
from tests.fakes.aws_fault_proxy import AwsFaultProxy
from tests.people.people_support import one_run, results_of, roster_rows, write_roster

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def seeded(emulator: Any) -> tuple[dict[str, Any], Collection]:
    emulator.reset()
    emulator.touched()
    made = seed_identity_center(emulator.endpoint, ACCOUNT)
    return made, run_collector(TEST_REGIONS)


def center_users(collection: Collection) -> dict[str, Observation]:
    return {
        o.name or o.id: o
        for o in collection.observations
        if o.type == "identity.user" and ":identitystore:" in o.id
    }


def test_users_with_their_primary_email_assignments_and_privilege(seeded):
    made, collection = seeded
    users = center_users(collection)

    # moto has an instance in every region; Identity Center is read in one (the home region).
    assert set(users) == {"alice.admin@acme.example", "bob", "carol.leaver@acme.example", "mallory"}
    alice, bob, carol, mallory = (users[n] for n in sorted(users))
    assert alice.scope == f"aws:{ACCOUNT}:us-east-1"
    assert alice.id == f"arn:aws:identitystore:::user/{made['users']['alice']}"
    assert alice.attributes["email"] == "alice.admin@acme.example"  # the primary one, lowercased
    assert alice.attributes["privileged"] is True
    assert alice.attributes["admin_roles"] == ["PlatformAdministrator"]
    assert alice.raw["assignments"][0]["Via"] == f"group {made['group']}"
    assert alice.raw["assignments"][0]["AccountId"] == ACCOUNT
    assert bob.attributes["email"] == "bob.builder@acme.example"
    assert bob.attributes["privileged"] is False and bob.attributes["admin_roles"] == []
    assert [(a["PermissionSet"], a["Via"]) for a in bob.raw["assignments"]] == [("ReadOnly", "direct")]
    assert carol.attributes["email"] == "carol.leaver@acme.example"
    assert carol.raw["assignments"] == []
    # No primary address: the first one listed stands.
    assert mallory.attributes["email"] == "personal@example.org"
    for user in users.values():
        assert user.attributes["kind"] == "human" and user.attributes["disabled"] is False
        assert "MFA" in user.attributes["inapplicable"]["mfa_enabled"]
        assert "Name" not in user.raw["ListUsers"]  # data minimisation: name parts and phones dropped


def test_the_mfa_and_inactivity_controls_are_not_applicable_with_the_reason_never_passed(seeded):
    from datetime import UTC, datetime

    from evidra.controls.catalog import select
    from evidra.controls.engine import evaluate

    _made, collection = seeded
    users = center_users(collection)
    only = Collection(observations=list(users.values()))
    results = evaluate(select(None), only, default_parameters(), datetime.now(UTC), [])
    mfa = [r for r in results if r.control == "identity-user-mfa"]
    assert len(mfa) == 4 and {r.status for r in mfa} == {Status.NOT_APPLICABLE}
    assert all("identity source" in r.reason for r in mfa)
    inactive = [r for r in results if r.control == "inactive-users"]
    assert len(inactive) == 4 and {r.status for r in inactive} == {Status.NOT_APPLICABLE}
    # alice is privileged (PlatformAdministrator): the administrator MFA control does not pass either.
    (admin,) = [r for r in results if r.control == "privileged-user-mfa"]
    assert admin.status is Status.NOT_APPLICABLE


def test_identity_center_is_read_once_per_run_in_its_region(emulator, seeded):
    session = boto3.Session()
    listed: list[str] = []
    session.events.register(
        "before-call.sso-admin.ListInstances",
        lambda model, context, **_: listed.append(context["client_region"]),
    )
    collection = run_collector(
        TEST_REGIONS, boto_session=session, accounts=[ACCOUNT], identity_center_region="eu-west-1"
    )
    assert listed == ["eu-west-1"]
    # eu-west-1's instance (moto makes one per region) holds nobody.
    assert center_users(collection) == {}


def test_a_denied_identity_store_is_an_error_naming_the_action_the_rest_reports(
    emulator, seeded, monkeypatch
):
    with AwsFaultProxy(emulator.endpoint) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        proxy.add("identitystore", "us-east-1", "denied")
        collection = run_collector(TEST_REGIONS, max_attempts=2)

    (error,) = collection.errors
    assert (error.scope, error.types) == (f"aws:{ACCOUNT}:us-east-1", ("identity.user",))
    assert "evidra needs the IAM action identitystore:ListUsers" in error.message
    assert center_users(collection) == {}
    # The account's global settings and the regions' resources still report.
    assert {o.scope for o in collection.observations} >= {f"aws:{ACCOUNT}:global", f"aws:{ACCOUNT}:eu-west-1"}


@pytest.fixture
def config(tmp_path: Path) -> LoadedConfig:
    roster = write_roster(tmp_path / "roster.csv", roster_rows())
    return LoadedConfig(
        Settings(
            database=f"sqlite:///{tmp_path / 'evidra.db'}",
            providers=Providers(aws=AwsSettings(regions=list(TEST_REGIONS))),
            people=PeopleSettings(roster=str(roster)),
        ),
        None,
        default_parameters(),
    )


def test_people_view_matches_identity_center_users_and_fails_a_surviving_leaver(emulator, seeded, config):
    made, _ = seeded
    outcome = one_run(config, [], providers=("aws", "people"))

    orphans = results_of(outcome, "orphaned-accounts")
    alice = orphans[f"people:account/aws/arn:aws:identitystore:::user/{made['users']['alice']}"]
    assert alice.status is Status.PASS  # matched by email to an active person
    bob = orphans[f"people:account/aws/arn:aws:identitystore:::user/{made['users']['bob']}"]
    assert bob.status is Status.PASS
    mallory = orphans[f"people:account/aws/arn:aws:identitystore:::user/{made['users']['mallory']}"]
    assert mallory.status is Status.FAIL and "belongs to nobody" in mallory.reason
    carol = orphans[f"people:account/aws/arn:aws:identitystore:::user/{made['users']['carol']}"]
    assert carol.status is Status.FAIL and "not employed (left" in carol.reason

    leavers = results_of(outcome, "deprovisioning-deadline")
    survived = [
        r for i, r in leavers.items() if i.startswith("people:leaver/carol.leaver") and "identitystore" in i
    ]
    assert survived and survived[0].status is Status.FAIL and "still has access" in survived[0].reason
