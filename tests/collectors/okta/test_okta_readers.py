"""Every normalized attribute the Okta collector emits, read by the real `okta` SDK
from the fake's demo organisation (src/evidra/emulators/okta_estate.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from evidra.config.settings import OktaSettings
from evidra.emulators.okta_estate import NOW, terminations_csv
from evidra.emulators.okta_server import FakeOkta
from evidra.model import Collection
from evidra.resource_types import RESOURCE_TYPES
from tests.collectors.okta.okta_support import by_name, collect


@pytest.fixture
def collection(okta: FakeOkta, tmp_path: Path) -> Collection:
    leavers = tmp_path / "leavers.csv"
    leavers.write_text(terminations_csv())
    found = collect(okta, terminations_file=str(leavers))
    assert found.errors == []
    return found


def test_every_observation_uses_only_declared_attributes(collection: Collection, okta: FakeOkta) -> None:
    host = urlsplit(okta.url).hostname  # without the port: a stable scope id
    for observation in collection.observations:
        assert set(observation.attributes) <= set(RESOURCE_TYPES[observation.type]), observation.type
        assert observation.scope == f"okta:{host}"
        assert observation.id.startswith(f"okta:{host}/")
        assert (
            observation.principal
            == "okta user evidra-reader@acme.com (okta API token from $EVIDRA_TEST_OKTA_TOKEN)"
        )
        assert observation.calls, observation.id
    assert {s.scope for s in collection.scopes} == {f"okta:{host}"}
    assert all(s.error is None for s in collection.scopes)


def test_users(collection: Collection) -> None:
    users = by_name(collection, "identity.user")
    assert len(users) == 10  # the deprovisioned one included
    ada = users["ada@acme.com"].attributes
    assert ada == {
        "name": "ada@acme.com",
        "email": "ada@acme.com",
        "kind": "human",
        "console_access": True,
        "mfa_enabled": True,
        "mfa_methods": ["authenticator_app", "hardware_token"],
        "last_login": ada["last_login"],
        "created": ada["created"],
        "privileged": True,
        "admin_roles": ["SUPER_ADMIN"],
        "disabled": False,
        "status": "ACTIVE",
        "last_activity": ada["last_login"],
    }
    assert ada["last_login"].endswith("Z") and ada["created"] < ada["last_login"]
    assert users["bob@acme.com"].attributes | {} == users["bob@acme.com"].attributes
    bob = users["bob@acme.com"].attributes
    assert (bob["mfa_enabled"], bob["mfa_methods"], bob["privileged"]) == (False, [], False)
    # An admin role held through a group still makes an administrator.
    carol = users["carol@acme.com"].attributes
    assert (carol["privileged"], carol["admin_roles"], carol["mfa_methods"]) == (True, ["ORG_ADMIN"], ["sms"])
    assert users["frank@acme.com"].attributes["mfa_methods"] == ["push"]
    # A security question is not a second factor.
    assert users["ivan@acme.com"].attributes["mfa_methods"] == ["authenticator_app"]
    dave = users["dave@acme.com"].attributes
    assert (dave["disabled"], dave["console_access"], dave["status"]) == (True, False, "SUSPENDED")
    erin = users["erin@acme.com"].attributes
    assert (erin["disabled"], erin["mfa_enabled"], erin["mfa_methods"]) == (True, None, None)
    # Federated users never present an Okta password; a pending factor is not MFA.
    grace = users["grace@acme.com"].attributes
    assert (grace["console_access"], grace["mfa_enabled"]) == (False, False)
    heidi = users["heidi@acme.com"].attributes
    assert (heidi["console_access"], heidi["last_login"]) == (False, None)
    assert heidi["last_activity"] == heidi["created"]


def test_user_raw_keeps_evidence_not_personal_data(collection: Collection) -> None:
    carol = by_name(collection, "identity.user")["carol@acme.com"]
    text = json.dumps(carol.raw)
    assert carol.raw["user"]["profile"] == {
        "login": "carol@acme.com",
        "email": "carol@acme.com",
        "firstName": "Carol",
        "lastName": "Example",
    }
    assert carol.raw["factors"] == [
        {
            "id": "sms1",
            "factorType": "sms",
            "provider": "OKTA",
            "vendorName": "OKTA",
            "status": "ACTIVE",
            "created": carol.raw["factors"][0]["created"],
            "lastUpdated": carol.raw["factors"][0]["lastUpdated"],
        }
    ]
    assert carol.raw["roles"][0]["type"] == "ORG_ADMIN"
    for absent in ("_links", "555", "recovery_question", "pet", "mobilePhone"):
        assert absent not in text, absent
    operations = [c.operation for c in carol.calls]
    assert operations == [
        "listUsers",
        "listFactors",
        "listUsersWithRoleAssignments",
        "listAssignedRolesForUser",
    ]
    assert carol.calls[1].parameters == {"userId": "00ucarol01"}
    assert "after" not in carol.calls[0].parameters  # cursors change each run: not provenance


def test_password_policies(collection: Collection) -> None:
    policies = by_name(collection, "identity.password_policy")
    assert set(policies) == {"Administrators", "Engineering", "Default Policy"}  # the inactive one is not
    admins = policies["Administrators"].attributes
    assert admins == {
        "exists": True,
        "applies_to": "Okta Admins",
        "privileged": True,  # its group holds an admin role
        "min_length": 16,
        "require_uppercase": True,
        "require_lowercase": True,
        "require_numbers": True,
        "require_symbols": True,
        "character_classes": 4,
        "max_age_days": 90,
        "history_count": 24,
        "lockout_attempts": 5,
        "lockout_minutes": None,  # autoUnlockMinutes 0: an administrator unlocks
        "lockout_until_unlocked": True,
    }
    # Ada (super admin) is in Engineering, whose policy comes before the default one.
    assert policies["Engineering"].attributes["privileged"] is True
    assert policies["Engineering"].raw["governs_admins"] == ["00uadmin1"]
    default = policies["Default Policy"].attributes
    assert default["applies_to"] == "everyone"
    assert default["privileged"] is True  # it governs the read-only administrator
    assert (default["min_length"], default["max_age_days"], default["history_count"]) == (8, None, 4)
    assert (default["require_symbols"], default["character_classes"]) == (False, 3)
    assert (default["lockout_attempts"], default["lockout_minutes"], default["lockout_until_unlocked"]) == (
        10,
        10,
        False,
    )
    assert policies["Engineering"].attributes["lockout_minutes"] == 60


def test_signon_policy_rules(collection: Collection) -> None:
    rules = by_name(collection, "identity.signon_policy")
    assert set(rules) == {
        "Administrators session / Administrators MFA",
        "Default Policy / Default Rule",
        "Okta Dashboard / Contractors password only",
        "Okta Dashboard / Catch-all Rule",
        "Business apps: MFA / Catch-all Rule",
    }
    default = rules["Default Policy / Default Rule"].attributes
    assert default == {
        "policy": "Default Policy",
        "rule": "Default Rule",
        "kind": "global_session",
        "priority": 1,
        "applies_to": "everyone",
        "access": "allow",
        "mfa_required": False,
        "mfa_required_for": None,
        "allowed_factor_types": None,
        "max_idle_minutes": 120,
        "max_session_minutes": None,
    }
    admins = rules["Administrators session / Administrators MFA"].attributes
    assert (admins["mfa_required_for"], admins["max_idle_minutes"], admins["max_session_minutes"]) == (
        "Okta Admins",
        15,
        720,
    )
    catch_all = rules["Okta Dashboard / Catch-all Rule"].attributes
    assert (catch_all["kind"], catch_all["mfa_required"], catch_all["allowed_factor_types"]) == (
        "authentication",
        True,
        ["push", "sms"],
    )
    assert catch_all["max_session_minutes"] == 120  # reauthenticateIn PT2H
    contractors = rules["Okta Dashboard / Contractors password only"].attributes
    assert (contractors["applies_to"], contractors["mfa_required"]) == ("Contractors", False)


def test_apps_and_the_policies_bound_to_them(collection: Collection) -> None:
    apps = by_name(collection, "identity.application")
    # Okta's own dashboard is the sign-in itself (the global session policy judges it).
    assert set(apps) == {"Salesforce", "GitHub Enterprise", "Slack", "Old wiki"}
    assert apps["Salesforce"].attributes == {
        "status": "ACTIVE",
        "sign_on_mode": "SAML_2_0",
        "access_policy": "Business apps: MFA",
        "mfa_required": True,
    }
    # The dashboard's policy lets contractors in with a password alone.
    assert apps["Slack"].attributes["access_policy"] == "Okta Dashboard"
    assert apps["Slack"].attributes["mfa_required"] is False
    assert apps["Old wiki"].attributes["status"] == "INACTIVE"
    assert "credentials" not in apps["Salesforce"].raw["app"]
    inventory = by_name(collection, "inventory.scope")
    assert {n: (o.attributes["kind"], o.attributes["active"]) for n, o in inventory.items()} == {
        "Salesforce": ("saas_app", True),
        "GitHub Enterprise": ("saas_app", True),
        "Slack": ("saas_app", True),
        "Old wiki": ("saas_app", False),
    }


def test_api_tokens(collection: Collection, okta: FakeOkta) -> None:
    tokens = by_name(collection, "identity.credential")
    host = urlsplit(okta.url).hostname  # without the port: a stable scope id
    evidra = tokens["evidra"].attributes
    assert evidra["owner"] == f"okta:{host}/users/00uevidra1"
    assert (evidra["kind"], evidra["active"]) == ("api_token", True)
    # Last use = expiresAt - tokenWindow: the token was used a day ago.
    token = tokens["evidra"].raw["token"]
    assert token["tokenWindow"] == "P30D"
    assert evidra["last_used"] < token["expiresAt"]
    assert tokens["legacy-sync"].attributes["created"] < evidra["created"]


def test_system_log_events(collection: Collection) -> None:
    events = {
        o.attributes["target"] + " " + o.attributes["action"]: o
        for o in collection.observations
        if o.type == "identity.event"
    }
    assert set(events) == {
        "dave@acme.com suspended",
        "erin@acme.com deactivated",
        "zoe@acme.com deactivated",
        "zoe@acme.com deleted",
        "carol@acme.com mfa_factors_reset",
    }  # sign-ins are not asked for
    reset = events["carol@acme.com mfa_factors_reset"].attributes
    assert reset["event_type"] == "user.mfa.factor.reset_all"
    assert (reset["actor"], reset["target_id"], reset["outcome"]) == ("ada@acme.com", "00ucarol01", "SUCCESS")
    assert reset["published"].endswith("Z")


def test_deprovisioning_against_terminations(collection: Collection) -> None:
    seen = {o.name: o for o in collection.observations if o.type == "identity.deprovisioning"}
    leavers = {name: o.attributes for name, o in seen.items()}
    assert leavers["erin@acme.com"] | {} == leavers["erin@acme.com"]
    erin = leavers["erin@acme.com"]
    assert (erin["account_found"], erin["access_removed"], erin["removed_by"], erin["hours_to_removal"]) == (
        True,
        True,
        "deactivated",
        3.0,
    )
    # Counted to when the scope was read: the fake's leavers are dated from its import,
    # which a loaded machine may run minutes before this collection.
    read_at = seen["erin@acme.com"].observed_at
    terminated = datetime.fromisoformat(erin["terminated_at"].replace("Z", "+00:00"))
    assert terminated == NOW - timedelta(hours=48)
    assert erin["hours_since_termination"] == round((read_at - terminated).total_seconds() / 3600, 1)
    assert erin["hours_since_termination"] >= 48.0
    assert (leavers["dave@acme.com"]["removed_by"], leavers["dave@acme.com"]["hours_to_removal"]) == (
        "suspended",
        48.0,
    )
    ivan = leavers["ivan@acme.com"]
    assert (ivan["access_removed"], ivan["access_removed_at"], ivan["hours_to_removal"]) == (
        False,
        None,
        None,
    )
    # Deleted from Okta: only the System Log remembers the account.
    zoe = leavers["zoe@acme.com"]
    assert (zoe["account_found"], zoe["access_removed"], zoe["hours_to_removal"]) == (True, True, 1.0)
    assert leavers["nobody@acme.com"]["account_found"] is False


def test_the_scope_is_the_org_hosts_name_without_port_or_case() -> None:
    """One organisation is one scope id across runs, whatever port or spelling the
    config's URL used: its users are not counted once per variant."""
    from evidra.collectors.okta.credentials import org_host

    variants = ["https://acme.okta.com", "https://ACME.okta.com:443", "https://acme.okta.com:8443/"]
    names = {org_host(OktaSettings(org_url=url, token_env="T")) for url in variants}
    assert names == {"acme.okta.com"}


def _collect_changed(monkeypatch: pytest.MonkeyPatch, change) -> Collection:
    from evidra.emulators.okta_estate import API_TOKEN, demo_org
    from tests.collectors.okta.okta_support import TOKEN_ENV

    org = demo_org()
    change(org)
    with FakeOkta(org, API_TOKEN) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert_file))
        monkeypatch.setenv(TOKEN_ENV, API_TOKEN)
        return collect(fake)


def test_a_classic_engine_org_keeps_its_sign_on_rules_and_names_its_engine(monkeypatch) -> None:
    def classic(org) -> None:
        org.engine = "classic"  # the fake then answers ACCESS_POLICY 400 E0000002, as Okta does

    collection = _collect_changed(monkeypatch, classic)
    assert collection.errors == []
    rules = by_name(collection, "identity.signon_policy")
    assert set(rules) == {"Administrators session / Administrators MFA", "Default Policy / Default Rule"}
    assert {r.raw["engine"] for r in rules.values()} == {"classic"}


def test_an_auth_method_chain_and_reauthenticating_every_time(monkeypatch) -> None:
    chain = {
        "type": "AUTH_METHOD_CHAIN",
        "chains": [
            {
                "authenticationMethods": [{"key": "okta_password", "method": "password"}],
                "next": [{"authenticationMethods": [{"key": "okta_verify", "method": "push"}]}],
                "reauthenticateIn": "PT0S",
            }
        ],
    }

    def chained(org) -> None:
        # Okta's AuthenticationMethodChain: no factorMode; password, then Okta Verify push.
        rule = org.rules["rstdashboard"][1]
        rule["actions"]["appSignOn"]["verificationMethod"] = chain

    rule = by_name(_collect_changed(monkeypatch, chained), "identity.signon_policy")[
        "Okta Dashboard / Catch-all Rule"
    ]
    assert rule.attributes["mfa_required"] is True
    assert rule.attributes["allowed_factor_types"] == ["push"]
    assert rule.attributes["max_session_minutes"] == 0  # PT0S: every time, not "no limit"

    def one_step(org) -> None:
        chained(org)
        org.rules["rstdashboard"][1]["actions"]["appSignOn"]["verificationMethod"]["chains"][0]["next"] = []

    rule = by_name(_collect_changed(monkeypatch, one_step), "identity.signon_policy")[
        "Okta Dashboard / Catch-all Rule"
    ]
    assert rule.attributes["mfa_required"] is False


def test_log_days_beyond_okta_retention_are_capped_with_a_warning(okta: FakeOkta, caplog) -> None:
    import logging

    with caplog.at_level(logging.WARNING, logger="evidra.collectors.okta.system_log"):
        collection = collect(okta, log_days=180)
    assert collection.errors == []
    assert "Okta keeps the System Log 90 days" in caplog.text
    events = by_name(collection, "identity.event")
    assert events and {c.parameters["days"] for o in events.values() for c in o.calls} == {90}
