"""The GitLab collector against the fake's demo group, through the real python-gitlab
client: the shared normalized types, the cursor, faults, scopes and the token."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from evidra.collectors.gitlab.collector import GitLabCollector
from evidra.collectors.gitlab.permissions import allowed, document
from evidra.config.loader import LoadedConfig
from evidra.config.settings import Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.requirements import default_parameters
from evidra.emulators.gitlab_estate import API_TOKEN, merge_request
from evidra.emulators.gitlab_server import FakeGitLab
from evidra.model import Collection, Status
from evidra.runner import run, store
from tests.collectors.gitlab.conftest import settings


def by_id(collection: Collection, type_: str) -> dict[str, dict[str, Any]]:
    return {o.id: o.attributes for o in collection.observations if o.type == type_}


def test_projects_changes_and_findings(gitlab: FakeGitLab, tmp_path: Path) -> None:
    collection = GitLabCollector(settings(gitlab, tmp_path)).collect()
    assert collection.errors == []
    repos = by_id(collection, "scm.repository")
    assert set(repos) == {"https://gitlab.example.com/acme/api", "https://gitlab.example.com/acme/docs-site"}
    api = repos["https://gitlab.example.com/acme/api"]
    assert (api["required_approvals"], api["required_checks"], api["enforce_admins"]) == (
        1,
        ["pipeline"],
        True,
    )
    assert api["codeowners"] and api["code_owner_review"] and api["push_protection"] is True
    assert api["outside_collaborators"] == ["contractor-jo:developer"]
    docs = repos["https://gitlab.example.com/acme/docs-site"]
    assert docs["branch_protected"] is False and docs["codeowners"] is False
    assert "push_protection" in docs["unreadable"] and "workflow_token_read_only" in docs["inapplicable"]
    changes = by_id(collection, "change.merge")
    good = changes["https://gitlab.example.com/acme/api/-/merge_requests/1"]
    assert good["approvers"] == ["bob"] and good["ticket"] == "API-1" and good["required_checks_passed"]
    own = changes["https://gitlab.example.com/acme/api/-/merge_requests/2"]
    assert own["approvers"] == [] and own["check_conclusions"] == {
        "pipeline": "failed"
    }  # bob approved his own
    (group,) = by_id(collection, "scm.organization").values()
    assert group["two_factor_required"] is True and group["outside_collaborators"] == 1
    (jo,) = by_id(collection, "scm.collaborator").values()
    assert jo["repositories"] == ["acme/api:developer"]
    findings = by_id(collection, "vuln.finding")  # docs-site's tier has none: not an error
    assert {f["state"] for f in findings.values()} == {"open", "fixed"}
    # Two requests per merge request: its detail and its approvals.
    assert gitlab.count(r"/merge_requests/\d+$") == 3 and gitlab.count(r"/approvals$") == 3 + 2


def test_controls_judge_gitlab_through_the_same_types(gitlab: FakeGitLab, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'evidence.db'}"
    config = LoadedConfig(
        Settings(database=database, providers=Providers(gitlab=settings(gitlab, tmp_path / "cache"))),
        None,
        default_parameters(),
    )
    outcome = run(config, select(None), ["gitlab"])
    verdicts = {(r.control, r.resource.id): r.status for r in outcome.results}
    mr = "https://gitlab.example.com/acme/api/-/merge_requests/"
    assert verdicts[("change-peer-review", mr + "1")] is Status.PASS
    assert verdicts[("change-peer-review", mr + "2")] is Status.FAIL
    assert verdicts[("change-checks-passed", mr + "2")] is Status.FAIL
    assert verdicts[("branch-protection", "https://gitlab.example.com/acme/api")] is Status.PASS
    assert (
        verdicts[("workflow-token-read-only", "https://gitlab.example.com/acme/api")] is Status.NOT_APPLICABLE
    )
    assert (
        verdicts[("secret-scanning-push-protection", "https://gitlab.example.com/acme/api")] is Status.ERROR
    )
    store(outcome, database)
    # The next run reads only merges since this one.
    project = gitlab.project("11")
    assert project is not None
    project.merge_requests.append(
        merge_request(
            project, 3, author="carol", merged_by="carol", merged_at=datetime.now(UTC), title="API-7"
        )
    )
    later = run(config, select(None), ["gitlab"])
    assert [o.id for o in later.collection.observations if o.type == "change.merge"] == [mr + "3"]
    assert gitlab.not_modified > 0
    # What was read from 304s says what the first run's answers said.
    before = {o.id: o.attributes for o in outcome.collection.observations if o.type == "scm.repository"}
    after = {o.id: o.attributes for o in later.collection.observations if o.type == "scm.repository"}
    assert after == before


def test_throttling_and_server_errors_are_retried(gitlab: FakeGitLab, tmp_path: Path) -> None:
    gitlab.add_fault(r"/merge_requests$", "throttle", times=1)
    gitlab.add_fault(r"/protected_branches/", "error", times=1)
    collection = GitLabCollector(settings(gitlab, tmp_path)).collect()
    assert collection.errors == []
    assert len(by_id(collection, "change.merge")) == 3


def test_a_malformed_answer_fails_only_its_reader(gitlab: FakeGitLab, tmp_path: Path) -> None:
    gitlab.add_fault(r"/vulnerabilities$", "malformed")
    collection = GitLabCollector(settings(gitlab, tmp_path)).collect()
    assert [e.service for e in collection.errors] == ["gitlab.vulnerabilities"]
    assert by_id(collection, "change.merge")


def test_only_the_shipped_read_only_scope_and_endpoints(gitlab: FakeGitLab, tmp_path: Path) -> None:
    assert document()["scopes"] == ["read_api"]
    assert GitLabCollector(settings(gitlab, tmp_path)).collect().errors == []
    assert gitlab.requests
    for method, path, _, _ in gitlab.requests:
        assert allowed(method, path), (method, path)
    gitlab.scopes = ("read_user",)  # a token without read_api reads nothing
    (error,) = GitLabCollector(settings(gitlab, tmp_path)).collect().errors
    assert "403" in error.message and "change.merge" in error.types


def test_the_token_is_in_no_output_or_stored_byte(
    gitlab: FakeGitLab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite:///{tmp_path / 'evidence.db'}"
    config = LoadedConfig(
        Settings(database=database, providers=Providers(gitlab=settings(gitlab, tmp_path / "cache"))),
        None,
        default_parameters(),
    )
    store(run(config, select(None), ["gitlab"]), database)
    captured = capsys.readouterr()
    assert API_TOKEN not in captured.out + captured.err
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite" for p in files)
    for path in files:
        assert API_TOKEN.encode() not in path.read_bytes(), path


def test_a_wrong_token_is_one_error_without_the_token(
    gitlab: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDRA_TEST_GITLAB_TOKEN", "glpat-wrong-token-value-000")
    (error,) = GitLabCollector(settings(gitlab, tmp_path)).collect().errors
    assert "401" in error.message and "glpat-wrong" not in error.message


def test_group_members_are_identity_users(gitlab: FakeGitLab, tmp_path: Path) -> None:
    collection = GitLabCollector(settings(gitlab, tmp_path)).collect()
    assert collection.errors == []
    users = {a["name"]: a for a in by_id(collection, "identity.user").values()}
    assert set(users) == {"alice", "bob", "carol"}  # contractor-jo is a project member only
    assert users["alice"]["email"] == "alice.admin@acme.com"  # public email (GET /users/:id)
    assert users["bob"]["email"] == "bob@acme.com"  # enterprise user's email, shown to owners
    assert users["carol"]["email"] == "carol.leaver@acme.com"  # SAML identity
    assert users["alice"]["admin_roles"] == ["owner"] and users["alice"]["privileged"] is True
    assert users["bob"]["privileged"] is False and users["bob"]["created"]
    assert users["bob"]["mfa_enabled"] is None and set(users["bob"]["unreadable"]) == {"mfa_enabled"}
    assert gitlab.count(r"^/api/v4/users/") == 1  # only the member the listing gave no address


def test_a_fix_counts_as_verified_only_when_the_default_branch_scan_no_longer_finds_it(
    gitlab: FakeGitLab, tmp_path: Path
) -> None:
    config = LoadedConfig(
        Settings(
            database=f"sqlite:///{tmp_path / 'evidence.db'}",
            providers=Providers(gitlab=settings(gitlab, tmp_path / "cache")),
        ),
        None,
        default_parameters(),
    )
    vulnerability = "https://gitlab.example.com/acme/api/-/security/vulnerabilities/2"

    def verdict() -> Status:
        outcome = run(config, select(None), ["gitlab"])
        (status,) = [
            r.status
            for r in outcome.results
            if (r.control, r.resource.id) == ("vuln-fix-verified", vulnerability)
        ]
        return status

    assert verdict() is Status.PASS  # resolved, and the default branch's pipeline agrees
    (api,) = [p for p in gitlab.group.projects if p.path == "api"]
    api.vulnerabilities[1]["resolved_on_default_branch"] = False  # resolved by hand only
    assert verdict() is Status.FAIL
