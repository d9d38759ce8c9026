"""The GitLab group the tests (and anyone trying the collector) read: every control has
something to pass and something to fail. Objects in GitLab's REST shapes
(docs.gitlab.com/ee/api/merge_requests.html, vulnerabilities.html, members.html)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from evidra.emulators.gitlab_server import WEB, GitLabGroup, Project

API_TOKEN = "glpat-" + "demo0evidra0gitlab0tok"
GROUP = "acme"


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def merge_request(
    project: Project, iid: int, *, author: str, merged_by: str, merged_at: datetime, title: str,
    pipeline: str = "success", description: str = "",
) -> dict[str, Any]:  # fmt: skip
    sha = f"{project.id:04d}{iid:036d}"
    return {
        "id": project.id * 1000 + iid,
        "iid": iid,
        "project_id": project.id,
        "title": title,
        "description": description,
        "state": "merged",
        "created_at": ts(merged_at - timedelta(days=1)),
        "updated_at": ts(merged_at + timedelta(minutes=1)),
        "merged_at": ts(merged_at),
        "target_branch": project.default_branch,
        "source_branch": f"{author}/change-{iid}",
        "author": {"username": author},
        "merge_user": {"username": merged_by},
        "merged_by": {"username": merged_by},
        "sha": sha,
        "merge_commit_sha": f"m{sha[1:]}",
        "web_url": f"{WEB}/{GROUP}/{project.path}/-/merge_requests/{iid}",
        "head_pipeline": {"id": iid, "sha": sha, "status": pipeline},
        "draft": False,
    }


def vulnerability(vid: int, *, severity: str, created: datetime, state: str = "detected",
                  resolved: datetime | None = None,
                  confirmed: datetime | None = None,
                  rescanned: bool = True) -> dict[str, Any]:  # fmt: skip
    # The list's entity (GitLab's ee/lib/ee/api/entities/vulnerability.rb) carries each
    # state change's time: confirmed_at, resolved_at, dismissed_at.
    return {
        "id": vid,
        "title": f"CVE-2026-{vid:04d} in a dependency",
        "severity": severity,
        "state": state,
        "report_type": "dependency_scanning",
        "created_at": ts(created),
        "confirmed_at": ts(confirmed) if confirmed else None,
        "resolved_at": ts(resolved) if resolved else None,
        # Set by the default branch's pipeline when it no longer finds the vulnerability
        # (ee/lib/ee/api/entities/vulnerability.rb, gitlab-org/gitlab MR 26906).
        "resolved_on_default_branch": bool(resolved) and rescanned,
        "dismissed_at": None,
        "dismissal_reason": None,
        "state_comment": None,
    }


def demo_group(now: datetime | None = None) -> GitLabGroup:
    now = now or datetime.now(UTC)
    day = timedelta(days=1)
    api = Project(
        11,
        "api",
        protected={"push_access_levels": [{"access_level": 0}],
                   "merge_access_levels": [{"access_level": 40}],
                   "allow_force_push": False, "code_owner_approval_required": True},
        approval_rules=[{"id": 1, "name": "All members", "rule_type": "any_approver",
                         "approvals_required": 1, "applies_to_all_protected_branches": True,
                         "protected_branches": []}],
        files={"CODEOWNERS"},
        members=[{"id": 90, "username": "contractor-jo", "access_level": 30, "state": "active",
                  "web_url": f"{WEB}/contractor-jo"}],
    )  # fmt: skip
    docs = Project(12, "docs-site", pipeline_required=False, secret_push_protection=None,
                   vulnerabilities=None,
                   approvals={"reset_approvals_on_push": False})  # fmt: skip
    old = Project(13, "old-scripts", archived=True)
    api.merge_requests = [
        merge_request(api, 1, author="alice", merged_by="alice", merged_at=now - 8 * day,
                      title="API-1 Rate limits"),
        merge_request(api, 2, author="bob", merged_by="bob", merged_at=now - 4 * day, title="Quick fix",
                      pipeline="failed"),
    ]  # fmt: skip
    api.approved_by = {1: ["bob"], 2: ["bob"]}
    docs.merge_requests = [
        merge_request(docs, 1, author="carol", merged_by="carol", merged_at=now - 2 * day,
                      title="DOC-9 Typos",
                      pipeline="failed"),
    ]  # fmt: skip
    api.vulnerabilities = [
        vulnerability(
            1, severity="critical", created=now - 20 * day, state="confirmed", confirmed=now - 19 * day
        ),
        vulnerability(2, severity="high", created=now - 30 * day, state="resolved", resolved=now - 25 * day),
    ]
    return GitLabGroup(
        10,
        GROUP,
        projects=[api, docs, old],
        require_two_factor=True,
        members=[
            # The owner shows only a public email; GitLab shows Bob's address to the group's
            # owners (an enterprise user); Carol's SAML identity names her.
            {"id": 1, "username": "alice", "access_level": 50, "state": "active",
             "created_at": ts(now - 700 * day), "public_email": "alice.admin@acme.com"},
            {"id": 2, "username": "bob", "access_level": 40, "state": "active",
             "created_at": ts(now - 400 * day), "email": "bob@acme.com"},
            {"id": 3, "username": "carol", "access_level": 40, "state": "active",
             "created_at": ts(now - 300 * day),
             "group_saml_identity": {"extern_uid": "carol.leaver@acme.com", "provider": "group_saml",
                                     "saml_provider_id": 1}},
        ],
    )  # fmt: skip
