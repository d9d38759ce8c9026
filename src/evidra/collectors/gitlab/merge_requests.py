"""Merged merge requests (change.merge): every merge request merged into a project's
default branch since the last successful read (the first run reads from `since`).

Per project, `GET /projects/:id/merge_requests?state=merged&target_branch=...&
updated_after=<cursor>` lists what merged since (a merge updates its merge request);
per merge request, its detail (who merged it, the head commit, the head pipeline) and
its approvals (`GET .../approvals`): the API's minimum of two requests. Approvals count
when given by someone other than the author; GitLab does not say which commit an
approval was given on, so "at the merged head" holds when the project resets approvals
on push (`approvals_reset_on_push` in the evidence).
"""

from __future__ import annotations

import re
from typing import Any

from evidra.collectors.gitlab.context import READERS, Context
from evidra.collectors.gitlab.projects import (
    ProjectSettings,
    project_path,
    projects,
    protection_attributes,
    settings_of,
)
from evidra.collectors.source_control import parse_time, review_verdict
from evidra.collectors.tickets import find_ticket
from evidra.model import Observation, iso

SUCCESS = frozenset({"success", "skipped", "manual"})
_MR_KEPT = ("id", "iid", "web_url", "title", "state", "created_at", "updated_at", "merged_at", "sha",
            "merge_commit_sha", "squash_commit_sha", "source_branch", "target_branch", "draft")  # fmt: skip


@READERS.reader("gitlab.merge_requests", types=("change.merge",))
def read_merge_requests(ctx: Context) -> list[Observation]:
    pattern = re.compile(ctx.settings.ticket_pattern)
    per_project = ctx.each(lambda p: _project_changes(ctx, p, pattern), projects(ctx))
    return [o for found in per_project for o in found]


def _project_changes(ctx: Context, project: dict[str, Any], pattern: re.Pattern[str]) -> list[Observation]:
    params = {
        "state": "merged",
        "target_branch": project["default_branch"],
        "updated_after": iso(ctx.changes_since),
        "order_by": "updated_at",
        "sort": "desc",
    }
    merged = []
    for page in ctx.api.pages("listMergeRequests", project_path(project, "merge_requests"), params):
        for mr in page:
            at = parse_time(mr.get("merged_at")) if isinstance(mr, dict) else None
            if at is not None and ctx.changes_since <= at <= ctx.observed_at:
                merged.append(mr)
    if not merged:
        return []
    found = settings_of(ctx, project)
    return [change_observation(ctx, found, mr, pattern) for mr in merged]


def change_observation(
    ctx: Context, found: ProjectSettings, listed: dict[str, Any], pattern: re.Pattern[str]
) -> Observation:
    api, project, iid = ctx.api, found.project, str(listed["iid"])
    detail = api.get("getMergeRequest", project_path(project, "merge_requests", iid)).body or {}
    mr = {**listed, **detail}
    approvals = api.get(
        "getMergeRequestApprovals", project_path(project, "merge_requests", iid, "approvals")
    ).body
    author = str((mr.get("author") or {}).get("username") or "")
    approvers = sorted(
        str((a.get("user") or {}).get("username"))
        for a in (approvals or {}).get("approved_by") or []
        if str((a.get("user") or {}).get("username")).lower() != author.lower()
    )
    protection = protection_attributes(found)
    pipeline = (mr.get("head_pipeline") or mr.get("pipeline") or {}) if protection["required_checks"] else {}
    conclusions = (
        {"pipeline": str(pipeline.get("status") or "missing")} if protection["required_checks"] else {}
    )
    verdict = review_verdict(approvers, conclusions, SUCCESS, protection)
    merged_by = (mr.get("merge_user") or mr.get("merged_by") or {}).get("username")
    name = str(project.get("path_with_namespace"))
    return ctx.observe(
        "change.merge",
        str(mr["web_url"]),
        name=f"{name}!{iid}",
        attributes={
            "repository": str(project["web_url"]),
            "number": int(mr["iid"]),
            "title": str(mr.get("title") or ""),
            "author": author,
            "merged_by": merged_by,
            "merged_at": iso(parse_time(mr.get("merged_at"))),
            "base_branch": str(mr.get("target_branch") or project["default_branch"]),
            "head_sha": str(mr.get("sha") or ""),
            **verdict,
            "ticket": find_ticket(pattern, mr.get("title"), mr.get("source_branch"), mr.get("description")),
        },
        raw={
            "merge_request": {
                **{k: mr[k] for k in _MR_KEPT if k in mr},
                "author": author,
                "merged_by": merged_by,
                "head_pipeline": {k: pipeline.get(k) for k in ("id", "status", "sha")} if pipeline else None,
            },
            "approved_by": approvers,
            "approvals_reset_on_push": bool(found.approvals.get("reset_approvals_on_push")),
        },
        calls=[
            api.call(
                "listMergeRequests", project=name, state="merged", target_branch=project["default_branch"]
            ),
            api.call("getMergeRequest", project=name),
            api.call("getMergeRequestApprovals", project=name),
        ],
    )
