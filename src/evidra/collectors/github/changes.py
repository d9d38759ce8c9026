"""Merged pull requests (change.merge): every pull request merged into a repository's
default branch since the last successful read (the first run reads from `since`).

Per repository, closed pull requests into the default branch are listed most recently
updated first (`GET /repos/{o}/{r}/pulls?state=closed&base=...&sort=updated`), stopping
at the first one last updated before the cursor: a merge after the cursor updated its
pull request after it too. An unchanged repository costs one conditional request, which
GitHub answers 304 at no rate-limit cost.

Per merged pull request, the API's minimum of three requests:
- `GET .../pulls/{n}`: who merged it (`merged_by` is not in the listing);
- `GET .../pulls/{n}/reviews`: approvals, counted when given on the merged head commit
  by someone other than the author, each reviewer's latest review deciding;
- `GET .../commits/{head}/check-runs`: the required checks' conclusions on the merged
  head; `GET .../commits/{head}/status` (legacy commit statuses) only when a required
  check is not among the check runs.

A merge that did not meet the branch's requirements (too few approvals, a required
check not successful) on a branch whose protection binds administrators only through
a bypass is an administrator bypass. Requirements are the branch's protection as read
in this collection: GitHub keeps no history of protection settings.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from evidra.collectors.github.context import READERS, Context
from evidra.collectors.github.repositories import RepoSettings, repo_path, repositories, settings_of
from evidra.collectors.source_control import parse_time, review_verdict
from evidra.collectors.tickets import find_ticket
from evidra.model import Observation, iso

SUCCESS = frozenset({"success", "neutral", "skipped"})
_PR_KEPT = (
    "number", "html_url", "title", "state", "created_at", "updated_at", "closed_at", "merged_at",
    "merge_commit_sha", "draft", "author_association",
)  # fmt: skip


@READERS.reader("github.changes", types=("change.merge",))
def read_changes(ctx: Context) -> list[Observation]:
    pattern = re.compile(ctx.settings.ticket_pattern)
    per_repo = ctx.each(lambda repo: _repo_changes(ctx, repo, pattern), repositories(ctx))
    return [observation for found in per_repo for observation in found]


def _repo_changes(ctx: Context, repo: dict[str, Any], pattern: re.Pattern[str]) -> list[Observation]:
    merged = list(_merged_since(ctx, repo))
    if not merged:
        return []
    settings = settings_of(ctx, repo)
    return [change_observation(ctx, settings, pr, pattern) for pr in merged]


def _merged_since(ctx: Context, repo: dict[str, Any]) -> list[dict[str, Any]]:
    since = ctx.changes_since
    params = {"state": "closed", "base": repo["default_branch"], "sort": "updated", "direction": "desc"}
    found: list[dict[str, Any]] = []
    for page in ctx.api.pages("listPullRequests", repo_path(ctx, repo, "pulls"), params):
        for pr in page:
            if not isinstance(pr, dict):
                continue
            if (parse_time(pr.get("updated_at")) or since) < since:
                return found  # sorted by update: everything after is older
            merged_at = parse_time(pr.get("merged_at"))
            if merged_at is not None and merged_at >= since and merged_at <= ctx.observed_at:
                found.append(pr)
    return found


def change_observation(
    ctx: Context, settings: RepoSettings, listed: dict[str, Any], pattern: re.Pattern[str]
) -> Observation:
    api, repo, number = ctx.api, settings.repo, str(listed["number"])
    detail = api.get("getPullRequest", repo_path(ctx, repo, "pulls", number)).body or {}
    pr = {**listed, **detail}
    author = str((pr.get("user") or {}).get("login") or "")
    head = str((pr.get("head") or {}).get("sha") or "")
    reviews = [
        r
        for page in api.pages("listReviews", repo_path(ctx, repo, "pulls", number, "reviews"))
        for r in page
        if isinstance(r, dict)
    ]
    protection = settings.protection
    conclusions, status_read = _check_conclusions(ctx, repo, head, protection.required_checks)
    approvers = approvals_at_head(reviews, head, author)
    verdict = review_verdict(approvers, conclusions, SUCCESS, protection.attributes())
    name = str(repo.get("full_name") or repo["name"])
    calls = [
        api.call("listPullRequests", repo=name, state="closed", base=repo["default_branch"], sort="updated"),
        api.call("getPullRequest", repo=name),
        api.call("listReviews", repo=name),
        api.call("listCheckRunsForRef", repo=name),
    ]
    if status_read:
        calls.append(api.call("getCombinedStatusForRef", repo=name))
    return ctx.observe(
        "change.merge",
        str(pr["html_url"]),
        name=f"{name}#{number}",
        attributes={
            "repository": str(repo["html_url"]),
            "number": int(pr["number"]),
            "title": str(pr.get("title") or ""),
            "author": author,
            "merged_by": (pr.get("merged_by") or {}).get("login"),
            "merged_at": iso(parse_time(pr.get("merged_at"))),
            "base_branch": str((pr.get("base") or {}).get("ref") or repo["default_branch"]),
            "head_sha": head,
            **verdict,
            "ticket": find_ticket(
                pattern, pr.get("title"), (pr.get("head") or {}).get("ref"), pr.get("body")
            ),
        },
        raw={
            "pull_request": {
                **{k: pr[k] for k in _PR_KEPT if k in pr},
                "user": author,
                "merged_by": (pr.get("merged_by") or {}).get("login"),
                "head": {"ref": (pr.get("head") or {}).get("ref"), "sha": head},
                "base": {"ref": (pr.get("base") or {}).get("ref")},
            },
            "reviews": [
                {
                    "id": r.get("id"),
                    "user": (r.get("user") or {}).get("login"),
                    "state": r.get("state"),
                    "commit_id": r.get("commit_id"),
                    "submitted_at": r.get("submitted_at"),
                }
                for r in reviews
            ],
            "checks": conclusions,
        },
        calls=calls,
    )


def approvals_at_head(reviews: list[dict[str, Any]], head: str, author: str) -> list[str]:
    """Reviewers whose latest decisive review approves the head commit, the author
    excluded. Comments do not change a decision; a later dismissal or change request does."""
    latest: dict[str, dict[str, Any]] = {}
    for review in sorted(reviews, key=lambda r: str(r.get("submitted_at") or "")):
        login = str((review.get("user") or {}).get("login") or "")
        if login and review.get("state") in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[login] = review
    return sorted(
        login
        for login, review in latest.items()
        if review.get("state") == "APPROVED"
        and review.get("commit_id") == head
        and login.lower() != author.lower()
    )


def _check_conclusions(
    ctx: Context, repo: dict[str, Any], head: str, required: list[str]
) -> tuple[dict[str, str], bool]:
    """Check name -> conclusion on `head` (the latest run of each name wins), with
    commit statuses added when a required check is not a check run; and whether the
    statuses were read."""
    if not head:
        return {}, False
    conclusions: dict[str, str] = {}
    runs = [
        run
        for page in ctx.api.pages(
            "listCheckRunsForRef", repo_path(ctx, repo, "commits", quote(head), "check-runs")
        )
        for run in page
        if isinstance(run, dict)
    ]
    for run in sorted(runs, key=lambda r: str(r.get("started_at") or "")):
        conclusions[str(run.get("name"))] = str(run.get("conclusion") or run.get("status") or "pending")
    if all(name in conclusions for name in required):
        return conclusions, False
    combined = ctx.api.get(
        "getCombinedStatusForRef", repo_path(ctx, repo, "commits", quote(head), "status")
    ).body
    for status in (combined or {}).get("statuses") or []:
        if isinstance(status, dict) and status.get("context") not in conclusions:
            conclusions[str(status.get("context"))] = str(status.get("state") or "pending")
    return conclusions, True
