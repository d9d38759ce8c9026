"""GitHub organisations for the fake: the demo's (every control has something to pass
and something to fail) and a synthetic one of any size for benchmarks.

Builders make objects in GitHub's REST shapes (docs.github.com/en/rest: pulls, reviews,
check runs, Dependabot and code-scanning alerts, branch protection)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from evidra.emulators.github_server import WEB, GitHubOrg, Repo

API_TOKEN = "ghp_" + "demo0evidra0token0not0secret0000000"
ORG = "acme"


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()  # noqa: S324 - a commit id's shape


def classic_protection(
    *, approvals: int = 1, checks: tuple[str, ...] = ("ci",), enforce_admins: bool = True,
    code_owners: bool = True,
    force_pushes: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """GET /repos/{o}/{r}/branches/{b}/protection (branches/branch-protection#get-branch-protection)."""
    return {
        "required_status_checks": {
            "strict": True,
            "contexts": list(checks),
            "checks": [{"context": c, "app_id": None} for c in checks],
        },
        "required_pull_request_reviews": {
            "dismiss_stale_reviews": True,
            "require_code_owner_reviews": code_owners,
            "required_approving_review_count": approvals,
        },
        "enforce_admins": {"enabled": enforce_admins},
        "required_linear_history": {"enabled": False},
        "allow_force_pushes": {"enabled": force_pushes},
        "allow_deletions": {"enabled": False},
    }


def pull(
    org: str, repo: str, number: int, *, author: str, merged_at: datetime, merged_by: str, title: str,
    branch: str = "feature", body: str = "", base: str = "main",
) -> dict[str, Any]:  # fmt: skip
    """A merged pull request (pulls#get-a-pull-request)."""
    head = sha(org, repo, number, "head")
    return {
        "number": number,
        "html_url": f"{WEB}/{org}/{repo}/pull/{number}",
        "state": "closed",
        "title": title,
        "body": body,
        "user": {"login": author, "type": "User"},
        "head": {"ref": branch, "sha": head},
        "base": {"ref": base},
        "created_at": ts(merged_at - timedelta(hours=20)),
        "updated_at": ts(merged_at + timedelta(minutes=1)),
        "closed_at": ts(merged_at),
        "merged_at": ts(merged_at),
        "merge_commit_sha": sha(org, repo, number, "merge"),
        "merged": True,
        "merged_by": {"login": merged_by, "type": "User"},
        "draft": False,
        "author_association": "MEMBER",
    }


def review(reviewer: str, state: str, commit: str, at: datetime, review_id: int) -> dict[str, Any]:
    """pulls/reviews#list-reviews-for-a-pull-request."""
    return {
        "id": review_id,
        "user": {"login": reviewer, "type": "User"},
        "state": state,
        "commit_id": commit,
        "submitted_at": ts(at),
        "body": "",
    }


def check_run(name: str, conclusion: str, at: datetime, run_id: int) -> dict[str, Any]:
    """checks/runs#list-check-runs-for-a-git-reference."""
    return {
        "id": run_id,
        "name": name,
        "status": "completed",
        "conclusion": conclusion,
        "started_at": ts(at),
        "completed_at": ts(at + timedelta(minutes=5)),
    }


def dependabot_alert(
    org: str, repo: str, number: int, *, severity: str, created: datetime, state: str = "open",
    fixed: datetime | None = None, dismissed: datetime | None = None, reason: str | None = None,
    comment: str | None = None, package: str = "lodash",
) -> dict[str, Any]:  # fmt: skip
    """dependabot/alerts#list-dependabot-alerts-for-an-organization."""
    return {
        "number": number,
        "state": state,
        "dependency": {
            "package": {"ecosystem": "npm", "name": package},
            "manifest_path": "package-lock.json",
        },
        "security_advisory": {
            "ghsa_id": f"GHSA-{number:04d}-demo-0000",
            "summary": f"Vulnerability in {package}",
            "severity": severity,
        },
        "security_vulnerability": {"package": {"ecosystem": "npm", "name": package}, "severity": severity},
        "html_url": f"{WEB}/{org}/{repo}/security/dependabot/{number}",
        "created_at": ts(created),
        "updated_at": ts(fixed or dismissed or created),
        "fixed_at": ts(fixed) if fixed else None,
        "dismissed_at": ts(dismissed) if dismissed else None,
        "dismissed_by": {"login": "sec-lead"} if dismissed else None,
        "dismissed_reason": reason,
        "dismissed_comment": comment,
        "auto_dismissed_at": None,
        "repository": {"name": repo, "full_name": f"{org}/{repo}", "html_url": f"{WEB}/{org}/{repo}"},
    }


def code_scanning_alert(
    org: str, repo: str, number: int, *, severity: str, created: datetime, state: str = "open",
    fixed: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """code-scanning#list-code-scanning-alerts-for-an-organization."""
    return {
        "number": number,
        "state": state,
        "created_at": ts(created),
        "updated_at": ts(fixed or created),
        "fixed_at": ts(fixed) if fixed else None,
        "dismissed_at": None,
        "dismissed_by": None,
        "dismissed_reason": None,
        "dismissed_comment": None,
        "html_url": f"{WEB}/{org}/{repo}/security/code-scanning/{number}",
        "rule": {"id": "js/sql-injection", "severity": "error", "security_severity_level": severity,
                 "description": "Database query built from user-controlled sources"},
        "tool": {"name": "CodeQL", "version": "2.19.0"},
        "repository": {"name": repo, "full_name": f"{org}/{repo}", "html_url": f"{WEB}/{org}/{repo}"},
    }  # fmt: skip


def add_merge(
    repo: Repo, org: str, number: int, merged_at: datetime, *, author: str, approvers: tuple[str, ...],
    merged_by: str, title: str, checks: dict[str, str], stale_approval: bool = False, body: str = "",
) -> None:  # fmt: skip
    """A merged pull request with its reviews and its head's check runs."""
    pr = pull(org, repo.name, number, author=author, merged_at=merged_at, merged_by=merged_by, title=title,
              body=body,
              base=repo.default_branch, branch=f"{author}/change-{number}")  # fmt: skip
    head = pr["head"]["sha"]
    repo.pulls.append(pr)
    commit = sha("older", number) if stale_approval else head
    repo.reviews[number] = [
        review(who, "APPROVED", commit, merged_at - timedelta(hours=1), number * 10 + i)
        for i, who in enumerate(approvers)
    ]
    repo.check_runs[head] = [
        check_run(name, conclusion, merged_at - timedelta(hours=2), number * 10 + i)
        for i, (name, conclusion) in enumerate(checks.items())
    ]


def demo_org(now: datetime | None = None) -> GitHubOrg:
    """Three repositories: `payments` protected and tidy, `website` unprotected with
    loose settings, `legacy-tools` archived (out of scope); changes that pass and fail
    each change control; one outside collaborator; alerts fixed on time, late, open and
    overdue, and one dismissed as tolerable risk."""
    now = now or datetime.now(UTC)
    org = ORG
    payments = Repo(
        "payments",
        protection=classic_protection(approvals=1, checks=("ci", "lint")),
        collaborators=[
            {"login": "contractor-jo", "permissions": {"pull": True, "push": True}, "role_name": "write"}
        ],
    )
    website = Repo(
        "website",
        visibility="public",
        protection=None,
        rules=[{"type": "pull_request", "ruleset_source_type": "Repository",
                "ruleset_source": f"{org}/website",
                "ruleset_id": 7, "parameters": {"required_approving_review_count": 1,
                "dismiss_stale_reviews_on_push": False, "require_code_owner_review": False,
                "require_last_push_approval": False, "required_review_thread_resolution": False}}],
        codeowners=False,
        secret_scanning=True,
        push_protection=False,
        vulnerability_alerts=False,
        actions={"enabled": True, "allowed_actions": "all"},
        workflow={"default_workflow_permissions": "write", "can_approve_pull_request_reviews": True},
    )  # fmt: skip
    legacy = Repo("legacy-tools", archived=True)
    day = timedelta(days=1)
    ok = {"ci": "success", "lint": "success"}
    add_merge(
        payments,
        org,
        101,
        now - 20 * day,
        author="alice",
        approvers=("bob",),
        merged_by="alice",
        title="PAY-12 Retry card captures",
        checks=ok,
    )
    add_merge(
        payments,
        org,
        102,
        now - 12 * day,
        author="bob",
        approvers=("carol",),
        merged_by="bob",
        title="Bump dependencies",
        checks=ok,
        body="Part of PAY-40",
    )
    add_merge(
        payments,
        org,
        103,
        now - 6 * day,
        author="carol",
        approvers=(),
        merged_by="admin-dave",
        title="Hotfix rounding",
        checks={"ci": "failure", "lint": "success"},
    )
    add_merge(
        payments,
        org,
        104,
        now - 2 * day,
        author="alice",
        approvers=("bob",),
        merged_by="alice",
        title="PAY-51 Refund webhooks",
        checks=ok,
        stale_approval=True,
    )
    add_merge(
        website,
        org,
        7,
        now - 9 * day,
        author="erin",
        approvers=("erin", "frank"),
        merged_by="erin",
        title="Update the landing page",
        checks={},
    )
    add_merge(website, org, 8, now - 3 * day, author="frank", approvers=("erin",), merged_by="frank",
              title="WEB-3 New pricing table", checks={})  # fmt: skip
    return GitHubOrg(
        org,
        repos=[payments, website, legacy],
        two_factor_required=False,
        members=[{"login": n, "two_factor": n != "frank", "role": "admin" if n == "admin-dave" else "member",
                  "email": "bob@acme.com" if n == "bob" else None}
                 for n in ("alice", "bob", "carol", "admin-dave", "erin", "frank")],
        # SAML single sign-on links most members to the company's directory (the demo roster's
        # people: Carol left, Dave's contract ended); Erin's and Frank's accounts are linked to nobody.
        saml_identities=[{"login": "alice", "name_id": "alice.admin@acme.com"},
                         {"login": "carol", "name_id": "carol.leaver@acme.com"},
                         {"login": "admin-dave", "name_id": "dave.contractor@acme.com"}],
        outside_collaborators=[{"login": "contractor-jo"}],
        rulesets={7: {"id": 7, "name": "website-main", "target": "branch", "enforcement": "active",
                      "source_type": "Repository", "source": f"{org}/website",
                      "bypass_actors": [
                          {"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}]}},
        dependabot_alerts=[
            dependabot_alert(org, "payments", 1, severity="critical", created=now - 40 * day, state="fixed",
                             fixed=now - 37 * day),
            dependabot_alert(org, "payments", 2, severity="high", created=now - 90 * day, state="fixed",
                             fixed=now - 10 * day, package="axios"),
            dependabot_alert(org, "website", 3, severity="critical", created=now - 15 * day, package="next"),
            dependabot_alert(org, "website", 4, severity="medium", created=now - 5 * day, package="marked"),
            dependabot_alert(org, "website", 5, severity="high", created=now - 60 * day, state="dismissed",
                             dismissed=now - 50 * day, reason="tolerable_risk",
                             comment="Only used in the build; risk accepted until 2027-01 (RISK-7)"),
        ],
        code_scanning_alerts=[
            code_scanning_alert(org, "payments", 1, severity="high", created=now - 8 * day),
        ],
    )  # fmt: skip


def synthetic_org(
    repos: int = 200, merged: int = 20_000, days: int = 365, now: datetime | None = None
) -> GitHubOrg:
    """`repos` protected repositories sharing `merged` pull requests merged evenly over
    `days` days, each with one approval and two passing checks; a Dependabot alert per repository."""
    now = now or datetime.now(UTC)
    org = "bench"
    repositories = [
        Repo(f"service-{i:03d}", protection=classic_protection(approvals=1, checks=("ci", "lint")))
        for i in range(repos)
    ]
    step = timedelta(days=days) / max(merged, 1)
    ok = {"ci": "success", "lint": "success"}
    for n in range(merged):
        repo = repositories[n % repos]
        add_merge(repo, org, n + 1, now - days * timedelta(days=1) + n * step, author=f"dev{n % 50}",
                  approvers=(f"dev{(n + 1) % 50}",), merged_by=f"dev{n % 50}", title=f"BENCH-{n} change",
                  checks=ok)  # fmt: skip
    return GitHubOrg(
        org,
        repos=repositories,
        members=[{"login": f"dev{i}", "two_factor": True} for i in range(50)],
        dependabot_alerts=[
            dependabot_alert(org, r.name, i + 1, severity="medium", created=now - timedelta(days=30),
                             state="fixed",
                             fixed=now - timedelta(days=20))
            for i, r in enumerate(repositories)
        ],
    )  # fmt: skip
