"""A local GitLab REST API (v4) over HTTPS, for driving the real `python-gitlab` client
in tests.

Shapes follow GitLab's REST reference (docs.gitlab.com/ee/api): groups (groups.html),
group projects, members (members.html: `members/all`, access levels, `state`,
`created_at` of the membership, `email` for a group's enterprise users,
`group_saml_identity`), a user's public profile (users.html#get-a-single-user:
`public_email`), protected branches
(protected_branches.html), approvals and approval rules (merge_request_approvals.html),
repository files (repository_files.html), merge requests with `merge_user` and
`head_pipeline` (merge_requests.html), vulnerabilities (vulnerabilities.html); errors as
`{"message": "404 Not found"}` or `{"error": "insufficient_scope", ...}`.

Behaviour as GitLab's (docs.gitlab.com/ee/api/rest/): offset pagination (`page`,
`per_page` up to 100) with a `Link` header and `X-Next-Page`, `X-Total`; a 429 with
`Retry-After` and `RateLimit-*` headers past the limit; an `ETag` on every 200 and
`304 Not Modified` for a matching `If-None-Match` (GitLab still counts it); the token in
`PRIVATE-TOKEN`, its scopes enforced (`read_api` reads, nothing writes). Faults per
path pattern: `throttle` (429 with Retry-After), `error` 500, `unavailable` 503,
`malformed` (a cut JSON body), `delay`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from evidra.emulators.https import FakeHandler, RecordingFake, conditional, send

WEB = "https://gitlab.example.com"  # web_url: the web address, not the API's


@dataclass
class Project:
    id: int
    path: str  # within the group
    default_branch: str = "main"
    archived: bool = False
    visibility: str = "private"
    pipeline_required: bool = True
    secret_push_protection: bool | None = True
    protected: dict[str, Any] | None = None
    approvals: dict[str, Any] = field(default_factory=lambda: {"reset_approvals_on_push": True})
    approval_rules: list[dict[str, Any]] = field(default_factory=list)
    files: set[str] = field(default_factory=set)
    members: list[dict[str, Any]] = field(default_factory=list)  # direct members
    merge_requests: list[dict[str, Any]] = field(default_factory=list)
    approved_by: dict[int, list[str]] = field(default_factory=dict)
    vulnerabilities: list[dict[str, Any]] | None = field(default_factory=list)  # None: not in the tier


@dataclass
class GitLabGroup:
    id: int
    full_path: str
    projects: list[Project] = field(default_factory=list)
    require_two_factor: bool = True
    members: list[dict[str, Any]] = field(default_factory=list)


class FakeGitLab(RecordingFake):
    def __init__(
        self,
        group: GitLabGroup,
        token: str,
        *,
        scopes: tuple[str, ...] = ("read_api",),
        rate_limit: int = 2000,
    ) -> None:
        self.group = group
        self.token = token
        self.scopes = scopes
        self.rate_limit = rate_limit
        self._used = 0
        super().__init__(_handler_for(self))

    def project(self, key: str) -> Project | None:
        for p in self.group.projects:
            if key in (str(p.id), f"{self.group.full_path}/{p.path}"):
                return p
        return None


def _handler_for(fake: FakeGitLab) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        def _refuse_write(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fake.record(self.command, self.path, 403)
            self.send_json(403, _scope_error("api"))

        do_POST = do_PUT = do_DELETE = do_PATCH = _refuse_write

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path, query = parts.path, parse_qs(parts.query)
            if not secrets.compare_digest(self.headers.get("PRIVATE-TOKEN", ""), fake.token):
                fake.record("GET", self.path, 401)
                self.send_json(401, {"message": "401 Unauthorized"})
                return
            if not {"read_api", "api"} & set(fake.scopes):
                fake.record("GET", self.path, 403)
                self.send_json(403, _scope_error("read_api"))
                return
            fault = fake.faults.after_delay(path)
            with fake._lock:
                fake._used += 1
                remaining = max(fake.rate_limit - fake._used, 0)
            # GitLab sends RateLimit-* with the answer that refuses a request
            # (docs.gitlab.com/ee/administration/settings/user_and_ip_rate_limits.html#response-headers).
            limits: dict[str, str] = {}
            if (fault is not None and fault.kind == "throttle") or remaining == 0:
                refused = {
                    "RateLimit-Limit": str(fake.rate_limit),
                    "RateLimit-Observed": str(fake.rate_limit - remaining),
                    "RateLimit-Remaining": str(remaining),
                    "RateLimit-Reset": str(int(time.time()) + 1),
                    "Retry-After": "1",
                }
                fake.record("GET", self.path, 429)
                self.send_json(429, {"message": "Retry later"}, refused)
                return
            if fault is not None and fault.kind in ("error", "unavailable"):
                code = 500 if fault.kind == "error" else 503
                fake.record("GET", self.path, code)
                self.send_json(code, {"message": f"{code} Internal Server Error"}, limits)
                return
            try:
                status, body, total = route(fake, path, query)
            except KeyError:
                status, body, total = 404, {"message": "404 Not found"}, None
            content = json.dumps(body).encode()
            etag = f'W/"{hashlib.md5(content).hexdigest()}"'  # noqa: S324 - an ETag, as Rack makes it
            unchanged = status == 200 and self.headers.get("If-None-Match") == etag and fault is None
            paging = _paging(fake.url, path, query, total) if total is not None else {}
            code, content, headers = conditional(
                status, content, limits, paging, etag=etag, unchanged=unchanged, fault=fault
            )
            fake.record("GET", self.path, code)
            send(self, code, content, headers=headers)

    return Handler


def _scope_error(needed: str) -> dict[str, Any]:
    return {
        "error": "insufficient_scope",
        "error_description": "The request requires higher privileges than provided by the access token.",
        "scope": needed,
    }


def _paging(base: str, path: str, query: dict[str, list[str]], total: int) -> dict[str, str]:
    per_page = min(int((query.get("per_page") or ["20"])[0]), 100)
    page = max(int((query.get("page") or ["1"])[0]), 1)
    pages = max((total + per_page - 1) // per_page, 1)
    flat = {k: v[0] for k, v in query.items()}
    links = []
    if page < pages:
        links.append(f'<{base}{path}?{urlencode({**flat, "page": page + 1})}>; rel="next"')
    links.append(f'<{base}{path}?{urlencode({**flat, "page": 1})}>; rel="first"')
    links.append(f'<{base}{path}?{urlencode({**flat, "page": pages})}>; rel="last"')
    return {
        "Link": ", ".join(links),
        "X-Page": str(page),
        "X-Per-Page": str(per_page),
        "X-Next-Page": str(page + 1) if page < pages else "",
        "X-Total": str(total),
        "X-Total-Pages": str(pages),
    }


def _paged(items: list[Any], query: dict[str, list[str]]) -> tuple[int, Any, int | None]:
    per_page = min(int((query.get("per_page") or ["20"])[0]), 100)
    page = max(int((query.get("page") or ["1"])[0]), 1)
    return 200, items[(page - 1) * per_page : page * per_page], len(items)


def project_json(fake: FakeGitLab, p: Project) -> dict[str, Any]:
    full = f"{fake.group.full_path}/{p.path}"
    body: dict[str, Any] = {
        "id": p.id,
        "name": p.path,
        "path": p.path,
        "path_with_namespace": full,
        "web_url": f"{WEB}/{full}",
        "default_branch": p.default_branch,
        "visibility": p.visibility,
        "archived": p.archived,
        "only_allow_merge_if_pipeline_succeeds": p.pipeline_required,
        "namespace": {"id": fake.group.id, "full_path": fake.group.full_path, "kind": "group"},
    }
    if p.secret_push_protection is not None:
        body["secret_push_protection_enabled"] = p.secret_push_protection
    return body


def route(fake: FakeGitLab, path: str, query: dict[str, list[str]]) -> tuple[int, Any, int | None]:
    """(status, body, total when paged); KeyError means 404."""
    if not path.startswith("/api/v4/"):
        raise KeyError(path)
    segments = [unquote(s) for s in path[len("/api/v4/") :].split("/")]
    group = fake.group
    match segments:
        case ["groups", key] if key in (str(group.id), group.full_path):
            return 200, {"id": group.id, "name": group.full_path, "full_path": group.full_path,
                         "web_url": f"{WEB}/groups/{group.full_path}", "visibility": "private",
                         "require_two_factor_authentication": group.require_two_factor,
                         "two_factor_grace_period": 48}, None  # fmt: skip
        case ["groups", key, "projects"] if key in (str(group.id), group.full_path):
            archived = (query.get("archived") or [""])[0]
            found = [p for p in group.projects if archived != "false" or not p.archived]
            return _paged([project_json(fake, p) for p in found], query)
        case ["groups", key, "members", "all"] if key in (str(group.id), group.full_path):
            return _paged([_member(m) for m in group.members], query)
        case ["users", user_id]:
            return 200, _profile(fake, user_id), None
        case ["projects", key, *rest]:
            project = fake.project(key)
            if project is None:
                raise KeyError(path)
            return _project_route(fake, project, rest, query)
    raise KeyError(path)


def _project_route(
    fake: FakeGitLab, p: Project, rest: list[str], query: dict[str, list[str]]
) -> tuple[int, Any, int | None]:
    match rest:
        case ["protected_branches", name] if p.protected is not None and name == p.default_branch:
            return 200, {"name": name, **p.protected}, None
        case ["approvals"]:
            return 200, p.approvals, None
        case ["approval_rules"]:
            return 200, p.approval_rules, None
        case ["repository", "files", file_path] if file_path in p.files:
            return 200, {"file_name": file_path.rsplit("/", 1)[-1], "file_path": file_path,
                         "ref": (query.get("ref") or [p.default_branch])[0], "size": 42, "encoding": "base64",
                         "content": "KiBAYWNtZS9sZWFkcwo="}, None  # fmt: skip
        case ["members"]:
            return _paged([_member(m) for m in p.members], query)
        case ["merge_requests"]:
            state = (query.get("state") or ["all"])[0]
            target = (query.get("target_branch") or [""])[0]
            after = (query.get("updated_after") or [""])[0]
            found = [
                _listed(mr)
                for mr in p.merge_requests
                if (state == "all" or mr["state"] == state)
                and (not target or mr["target_branch"] == target)
                and (not after or mr["updated_at"] >= after)
            ]
            return _paged(sorted(found, key=lambda m: m["updated_at"], reverse=True), query)
        case ["merge_requests", iid]:
            mr = next((m for m in p.merge_requests if str(m["iid"]) == iid), None)
            if mr is None:
                raise KeyError(iid)
            return 200, mr, None
        case ["merge_requests", iid, "approvals"]:
            users = p.approved_by.get(int(iid), [])
            return (
                200,
                {"approved": bool(users), "approved_by": [{"user": {"username": u}} for u in users]},
                None,
            )
        case ["vulnerabilities"]:
            if p.vulnerabilities is None:
                return 403, {"message": "403 Forbidden"}, None
            return _paged(p.vulnerabilities, query)
    raise KeyError(rest)


def _profile(fake: FakeGitLab, user_id: str) -> dict[str, Any]:
    """users.html#get-a-single-user as another user sees it: the public fields only."""
    members = [*fake.group.members, *(m for p in fake.group.projects for m in p.members)]
    member = next((m for m in members if str(m.get("id")) == user_id), None)
    if member is None:
        raise KeyError(user_id)
    login = member["username"]
    return {"id": member["id"], "username": login, "name": member.get("name", login),
            "state": member.get("state", "active"), "web_url": f"{WEB}/{member['username']}",
            "public_email": member.get("public_email") or ""}  # fmt: skip


def _member(member: dict[str, Any]) -> dict[str, Any]:
    """members.html's shape: `public_email` belongs to the user's profile, not to a membership."""
    return {k: v for k, v in member.items() if k != "public_email"}


def _listed(mr: dict[str, Any]) -> dict[str, Any]:
    """The listing's shape: no `head_pipeline` (only the single merge request has it)."""
    return {k: v for k, v in mr.items() if k not in ("head_pipeline", "pipeline")}
