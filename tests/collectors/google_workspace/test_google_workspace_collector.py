"""Google Workspace through the real google-api-python-client against the local Admin SDK:
users with 2SV, admin roles, suspension and last login as identity.user; admin and
leavers' login events as identity.event; paging, 429s, refusals."""

from __future__ import annotations

import json

from evidra.collectors.google_workspace.collector import GoogleWorkspaceCollector
from evidra.config.settings import GOOGLE_WORKSPACE_SCOPES


def users_of(collection):
    return {o.name: o for o in collection.observations if o.type == "identity.user"}


def test_users_are_the_normalized_identity_users(workspace, settings):
    collection = GoogleWorkspaceCollector(settings).collect()
    assert collection.errors == []
    users = users_of(collection)
    assert len(users) == 6
    admin = users["it-admin@acme.example"].attributes
    assert admin["privileged"] is True and admin["admin_roles"] == ["_SEED_ADMIN_ROLE"]
    alice = users["alice.admin@acme.example"].attributes
    assert alice["mfa_enabled"] is False and alice["mfa_enforced"] is False
    assert alice["admin_roles"] == ["_USER_MANAGEMENT_ADMIN_ROLE"]
    carol = users["carol.leaver@acme.example"].attributes
    assert carol["disabled"] is True and carol["console_access"] is False and carol["status"] == "suspended"
    assert carol["email"] == "carol.leaver@acme.example" and carol["last_login"].endswith("Z")
    observation = users["bob.builder@acme.example"]
    assert observation.scope == "google_workspace:my_customer"
    assert observation.id.startswith("google_workspace:my_customer/users/")
    assert "recoveryPhone" not in json.dumps(observation.raw)  # personal data not kept
    # Three pages of two users: paging followed with the client's list_next.
    assert workspace.calls()["users.list"] == 3


def test_audit_events_show_the_leavers_suspension_and_last_sign_in(workspace, settings):
    collection = GoogleWorkspaceCollector(settings).collect()
    events = [o.attributes for o in collection.observations if o.type == "identity.event"]
    actions = sorted((e["action"], e["target"]) for e in events)
    # Bob's sign-in is an active user's: his last login is on the user, not an event.
    assert actions == [("signed_in", "carol.leaver@acme.example"), ("suspended", "carol.leaver@acme.example")]


def test_delegation_uses_read_only_scopes_acting_as_the_subject(workspace, settings):
    GoogleWorkspaceCollector(settings).collect()
    (grant,) = workspace.grants
    assert grant["sub"] == "it-admin@acme.example"
    assert set(grant["scope"].split()) == set(GOOGLE_WORKSPACE_SCOPES)
    assert all(scope.endswith(".readonly") for scope in GOOGLE_WORKSPACE_SCOPES)
    assert workspace.refused == 0


def test_429s_are_retried_by_the_client(workspace, settings):
    workspace.add_fault(r"/users$", "throttle", times=1)
    workspace.add_fault(r"/applications/admin$", "throttle", times=1)
    collection = GoogleWorkspaceCollector(settings).collect()
    assert collection.errors == []
    assert len(users_of(collection)) == 6
    assert workspace.calls()["users.list"] == 4


def test_a_subject_that_is_no_administrator_fails_the_scope_per_reader(workspace, settings):
    collection = GoogleWorkspaceCollector(
        settings.model_copy(update={"subject": "bob.builder@acme.example"})
    ).collect()
    assert list(collection.observations) == []
    assert {e.service for e in collection.errors} == {"google_workspace.users", "google_workspace.audit"}
    assert all("credentials refused" in e.message for e in collection.errors)


def test_a_failing_audit_listing_leaves_users_reported(workspace, settings):
    workspace.add_fault(r"/applications/", "error")
    collection = GoogleWorkspaceCollector(settings.model_copy(update={"max_attempts": 2})).collect()
    assert len(users_of(collection)) == 6
    (error,) = collection.errors
    assert error.types == ("identity.event",) and "HTTP 500" in error.message


def test_a_key_without_subject_is_a_credentials_error(workspace, settings):
    collection = GoogleWorkspaceCollector(settings.model_copy(update={"subject": None})).collect()
    (error,) = collection.errors
    assert "set subject" in error.message and set(error.types) == {"identity.user", "identity.event"}


def test_evidra_check_google_workspace(workspace, settings, tmp_path):
    import subprocess
    import sys

    config = tmp_path / "evidra.yaml"
    config.write_text(
        "providers:\n  google_workspace:\n"
        f"    subject: {settings.subject}\n    credentials_file: {settings.credentials_file}\n"
        f"    api_endpoint: {workspace.url}\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "evidra",
            "check",
            "google_workspace",
            "--format",
            "json",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr  # Alice has no 2-Step Verification
    document = json.loads(result.stdout)
    failing = {
        r["resource"]["id"]
        for r in document["results"]
        if r["control"] == "identity-user-mfa" and r["status"] == "fail"
    }
    assert len(failing) == 1 and document["errors"] == []
    assert {r["resource"]["scope"] for r in document["results"]} == {"google_workspace:my_customer"}
