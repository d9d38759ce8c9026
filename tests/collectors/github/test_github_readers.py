"""The GitHub collector against the fake's demo organisation: what each reader makes of
GitHub's answers, through the real githubkit client."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from evidra.collectors.github.collector import GitHubCollector
from evidra.emulators.github_server import FakeGitHub
from evidra.model import Collection
from tests.collectors.github.conftest import settings


def by_id(collection: Collection, type_: str) -> dict[str, dict[str, Any]]:
    return {o.id: o.attributes for o in collection.observations if o.type == type_}


def test_repositories_protection_and_settings(github: FakeGitHub, tmp_path: Path) -> None:
    collection = GitHubCollector(settings(github, tmp_path)).collect()
    assert collection.errors == []
    repos = by_id(collection, "scm.repository")
    assert set(repos) == {
        "https://github.com/acme/payments",
        "https://github.com/acme/website",
    }  # archived left out
    payments, website = repos["https://github.com/acme/payments"], repos["https://github.com/acme/website"]
    assert payments["protection_sources"] == ["classic"]
    assert payments["required_checks"] == ["ci", "lint"] and payments["enforce_admins"] is True
    assert payments["force_push_blocked"] and payments["deletion_blocked"] and payments["codeowners"]
    assert payments["outside_collaborators"] == ["contractor-jo:write"]
    # The website's only protection is a ruleset whose bypass list names the admin role.
    assert website["protection_sources"] == ["ruleset:website-main"]
    assert website["required_approvals"] == 1 and website["enforce_admins"] is False
    assert website["force_push_blocked"] is False and website["codeowners"] is False
    assert (website["secret_scanning"], website["push_protection"]) == (True, False)
    assert website["dependency_alerts"] is False and website["actions_allowed"] == "all"
    assert website["workflow_token_read_only"] is False


def test_merged_changes(github: FakeGitHub, tmp_path: Path) -> None:
    collection = GitHubCollector(settings(github, tmp_path)).collect()
    changes = by_id(collection, "change.merge")
    assert len(changes) == 6
    ok = changes["https://github.com/acme/payments/pull/101"]
    assert ok["approvers"] == ["bob"] and ok["ticket"] == "PAY-12" and ok["required_checks_passed"]
    assert ok["admin_bypass"] is False and ok["merged_by"] == "alice"
    # Ticket in the body; an approval of an older commit does not count.
    assert changes["https://github.com/acme/payments/pull/102"]["ticket"] == "PAY-40"
    stale = changes["https://github.com/acme/payments/pull/104"]
    assert stale["approved_by_other"] is False and stale["approvers"] == []
    bypass = changes["https://github.com/acme/payments/pull/103"]
    assert bypass["check_conclusions"] == {"ci": "failure", "lint": "success"}
    assert bypass["merged_by"] == "admin-dave" and bypass["ticket"] is None
    # enforce_admins is on, so an unmet merge is not counted an admin bypass: GitHub would refuse it.
    assert bypass["admin_bypass"] is False
    # The author's own approval is left out.
    assert changes["https://github.com/acme/website/pull/7"]["approvers"] == ["frank"]
    # Exactly the API's minimum per change: the pull request, its reviews, its head's check runs.
    assert github.count(r"/pulls/\d+$") == 6 and github.count(r"/reviews$") == 6
    assert github.count(r"/check-runs$") == 6 and github.count(r"/status$") == 0


def test_admin_bypass_when_admins_may_bypass(github: FakeGitHub, tmp_path: Path) -> None:
    github.org.repo("payments").protection["enforce_admins"] = {"enabled": False}  # type: ignore[index, union-attr]
    changes = by_id(GitHubCollector(settings(github, tmp_path)).collect(), "change.merge")
    assert changes["https://github.com/acme/payments/pull/103"]["admin_bypass"] is True
    assert changes["https://github.com/acme/payments/pull/104"]["admin_bypass"] is True  # stale approval only
    assert changes["https://github.com/acme/payments/pull/101"]["admin_bypass"] is False


def test_commit_statuses_read_when_a_required_check_is_no_check_run(
    github: FakeGitHub, tmp_path: Path
) -> None:
    payments = github.org.repo("payments")
    assert payments is not None
    head = next(p for p in payments.pulls if p["number"] == 101)["head"]["sha"]
    payments.check_runs[head] = [r for r in payments.check_runs[head] if r["name"] != "lint"]
    payments.statuses[head] = [{"context": "lint", "state": "success"}]
    changes = by_id(GitHubCollector(settings(github, tmp_path)).collect(), "change.merge")
    assert changes["https://github.com/acme/payments/pull/101"]["check_conclusions"] == {
        "ci": "success",
        "lint": "success",
    }


def test_organisation_collaborators_and_alerts(github: FakeGitHub, tmp_path: Path) -> None:
    collection = GitHubCollector(settings(github, tmp_path)).collect()
    (org,) = by_id(collection, "scm.organization").values()
    assert org["two_factor_required"] is False and org["members_without_2fa"] == ["frank"]
    (jo,) = by_id(collection, "scm.collaborator").values()
    assert jo["repositories"] == ["acme/payments:write"] and jo["admin_on"] == []
    findings = by_id(collection, "vuln.finding")
    assert len(findings) == 6
    dismissed = findings["https://github.com/acme/website/security/dependabot/5"]
    assert dismissed["suppressed"] and dismissed["suppression_reason"] == "tolerable_risk"
    assert _days(dismissed["first_observed"], dismissed["closed_at"]) == 10.0
    assert dismissed["triaged_at"] == dismissed["closed_at"]  # a dismissal is GitHub's one review record
    late = findings["https://github.com/acme/payments/security/dependabot/2"]
    assert (late["severity"], late["state"], _days(late["first_observed"], late["fixed_at"])) == (
        "high",
        "fixed",
        80.0,
    )
    assert late["triaged_at"] is None and "triaged_at" in late["inapplicable"]  # no review recorded
    assert findings["https://github.com/acme/payments/security/code-scanning/1"]["source"] == "code_scanning"


def _days(start: str, end: str) -> float:
    moments = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in (start, end)]
    return (moments[1] - moments[0]).total_seconds() / 86400


def test_owner_only_facts_are_unknown_to_other_credentials(github: FakeGitHub, tmp_path: Path) -> None:
    github.org.owner_credentials = False
    collection = GitHubCollector(settings(github, tmp_path)).collect()
    assert collection.errors == []
    (org,) = by_id(collection, "scm.organization").values()
    assert org["two_factor_required"] is None and org["members_without_2fa"] is None
    assert set(org["unreadable"]) == {"two_factor_required", "members_without_2fa"}  # error, not fail


def test_only_named_repositories(github: FakeGitHub, tmp_path: Path) -> None:
    collection = GitHubCollector(settings(github, tmp_path, repositories=["website"])).collect()
    assert set(by_id(collection, "scm.repository")) == {"https://github.com/acme/website"}
    assert {a["repository"] for a in by_id(collection, "change.merge").values()} == {
        "https://github.com/acme/website"
    }


def test_an_unchanged_list_of_many_pages_is_read_whole_from_304s(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import evidra.collectors.source_control as api

    monkeypatch.setattr(api, "PAGE_SIZE", 1)  # every list a page per item
    first = GitHubCollector(settings(github, tmp_path)).collect()
    github.reset_counts()
    second = GitHubCollector(settings(github, tmp_path)).collect()
    assert second.errors == []
    assert github.count(r"/orgs/acme/repos$") == 3 and github.not_modified > 20
    assert {(o.type, o.id) for o in second.observations} == {(o.type, o.id) for o in first.observations}
    # ... and every answer read from a 304 says what the first run's 200 said.
    assert {o.id: o.attributes for o in second.observations if o.type != "vuln.finding"} == {
        o.id: o.attributes for o in first.observations if o.type != "vuln.finding"
    }


def test_github_enterprise_server_under_its_api_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """GHES serves the API under https://HOST/api/v3: requests and next-page links keep the path."""
    import evidra.collectors.source_control as api
    from evidra.emulators.github_estate import API_TOKEN, demo_org

    monkeypatch.setattr(api, "PAGE_SIZE", 1)
    with FakeGitHub(demo_org(), API_TOKEN, prefix="/api/v3") as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert_file))
        monkeypatch.setenv("EVIDRA_TEST_GITHUB_TOKEN", API_TOKEN)
        collector = GitHubCollector(settings(fake, tmp_path, api_url=f"{fake.url}/api/v3"))
        collection = collector.collect()
    assert collection.errors == []
    assert collector.scope == f"github:{fake.url.removeprefix('https://')}/acme"
    assert len(by_id(collection, "change.merge")) == 6
    assert fake.count(r"^/orgs/acme/repos$") == 3  # three pages, followed under /api/v3


def test_members_are_identity_users_matched_by_saml_or_public_email(
    github: FakeGitHub, tmp_path: Path
) -> None:
    github.graphql_page = 1  # the SAML identities come a page each
    collection = GitHubCollector(settings(github, tmp_path)).collect()
    assert collection.errors == []
    users = {a["name"]: a for a in by_id(collection, "identity.user").values()}
    assert set(users) == {"alice", "bob", "carol", "admin-dave", "erin", "frank"}
    assert users["alice"]["email"] == "alice.admin@acme.com"  # SAML identity
    assert users["carol"]["email"] == "carol.leaver@acme.com"
    assert users["bob"]["email"] == "bob@acme.com"  # public email
    assert users["erin"]["email"] is None  # neither: the alias map must name her
    assert users["admin-dave"]["privileged"] is True and users["admin-dave"]["admin_roles"] == ["owner"]
    assert users["bob"]["privileged"] is False and users["bob"]["disabled"] is False
    assert users["frank"]["mfa_enabled"] is False and users["alice"]["mfa_enabled"] is True
    graphql = [r for r in github.requests if r[:2] == ("POST", "/graphql")]
    assert len(graphql) == 3  # three identities, a page each
    assert github.count(r"^/users/") == 3  # public profiles only of those SAML does not name


def test_members_seen_by_a_credential_that_is_not_an_owner(github: FakeGitHub, tmp_path: Path) -> None:
    github.org.owner_credentials = False  # GitHub then answers samlIdentityProvider: null
    collection = GitHubCollector(settings(github, tmp_path)).collect()
    assert collection.errors == []
    users = {a["name"]: a for a in by_id(collection, "identity.user").values()}
    assert users["alice"]["email"] is None and users["bob"]["email"] == "bob@acme.com"
    assert users["frank"]["mfa_enabled"] is None
    assert set(users["frank"]["unreadable"]) == {"mfa_enabled"}  # error, not a pass nor a fail
