"""A local GitHub REST API over HTTPS, for driving the real `githubkit` client in tests,
the demo and benchmarks.

Shapes follow GitHub's REST reference (docs.github.com/en/rest): organisations
(orgs#get-an-organization), repositories (repos#list-organization-repositories, with
`security_and_analysis`), branch protection (branches/branch-protection), rules for a
branch and rulesets (repos/rules), CODEOWNERS errors, vulnerability alerts (204/404),
Actions permissions (actions/permissions), collaborators, pull requests, reviews, check
runs, combined status, Dependabot and code-scanning alerts, organisation members with
the `role` filter (orgs/members#list-organization-members) and a user's public profile
(users/users#get-a-user: `email` is the public one, null when hidden); errors as
`{"message": ..., "documentation_url": ...}`. GraphQL (`POST /graphql`, queries only):
`organization.samlIdentityProvider.externalIdentities` with cursor paging
(`first`/`after`, `pageInfo { hasNextPage endCursor }`), null for an organisation without
SAML single sign-on or a credential that is not an owner's (github/platform-samples#168).

Behaviour as GitHub's (rest/using-the-rest-api):
- pagination by `per_page` (at most 100) and `page`, in one `Link` header with
  `rel="next"` and `rel="last"`;
- `x-ratelimit-limit/remaining/used/reset/resource` on every answer, a primary limit per
  credential (403 with remaining 0 once spent); conditional requests: an `ETag` on every
  200 and `304 Not Modified` for a matching `If-None-Match`, which spends nothing;
- credentials: `Authorization: token|Bearer <token>`; a GitHub App's JWT (RS256, `iss` =
  app id) is exchanged at `POST /app/installations/{id}/access_tokens` for an
  installation token carrying the installation's permissions, and a request that needs
  a permission the token lacks answers 403 "Resource not accessible by integration";
- faults per path pattern: `throttle` is a secondary rate limit (403 with `retry-after`
  and GitHub's message), `error` 500, `unavailable` 503, `malformed` a cut JSON body,
  `delay` a late answer.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from evidra.emulators.https import FakeHandler, RecordingFake, conditional, send, serve_forever

DOCS = "https://docs.github.com/rest"
WEB = "https://github.com"  # html_url: the web address, not the API's
# GitHub App permission each endpoint needs (docs.github.com/en/rest/authentication/
# permissions-required-for-github-apps). Kept here independently of the collector's file.
ENDPOINT_PERMISSIONS: list[tuple[str, str]] = [
    (r"^/orgs/[^/]+$", "metadata"),
    (r"^/orgs/[^/]+/repos$", "metadata"),
    (r"^/orgs/[^/]+/members$", "members"),
    (r"^/orgs/[^/]+/outside_collaborators$", "members"),
    (r"^/orgs/[^/]+/actions/permissions(/workflow)?$", "organization_administration"),
    (r"^/orgs/[^/]+/dependabot/alerts$", "vulnerability_alerts"),
    (r"^/orgs/[^/]+/code-scanning/alerts$", "security_events"),
    (r"^/repos/[^/]+/[^/]+/branches/.+/protection$", "administration"),
    (r"^/repos/[^/]+/[^/]+/rules/branches/.+$", "metadata"),
    (r"^/repos/[^/]+/[^/]+/rulesets/\d+$", "metadata"),
    (r"^/repos/[^/]+/[^/]+/codeowners/errors$", "contents"),
    (r"^/repos/[^/]+/[^/]+/vulnerability-alerts$", "administration"),
    (r"^/repos/[^/]+/[^/]+/actions/permissions(/workflow)?$", "administration"),
    (r"^/repos/[^/]+/[^/]+/collaborators$", "metadata"),
    (r"^/repos/[^/]+/[^/]+/pulls(/\d+(/reviews)?)?$", "pull_requests"),
    (r"^/repos/[^/]+/[^/]+/commits/[^/]+/check-runs$", "checks"),
    (r"^/repos/[^/]+/[^/]+/commits/[^/]+/status$", "statuses"),
    (r"^/users/[^/]+$", "metadata"),  # public profile: no permission beyond what every App has
    (r"^/graphql$", "members"),  # organization.samlIdentityProvider
]


@dataclass
class Repo:
    name: str
    default_branch: str = "main"
    archived: bool = False
    visibility: str = "private"
    secret_scanning: bool = True
    push_protection: bool = True
    protection: dict[str, Any] | None = None  # the branch protection answer; None: 404
    rules: list[dict[str, Any]] = field(default_factory=list)
    codeowners: bool = True
    vulnerability_alerts: bool = True
    actions: dict[str, Any] = field(default_factory=lambda: {"enabled": True, "allowed_actions": "selected"})
    workflow: dict[str, Any] = field(
        default_factory=lambda: {
            "default_workflow_permissions": "read",
            "can_approve_pull_request_reviews": False,
        }
    )
    collaborators: list[dict[str, Any]] = field(default_factory=list)  # outside ones, with permissions
    pulls: list[dict[str, Any]] = field(default_factory=list)  # full pull request objects
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    check_runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # sha -> runs
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # sha -> statuses


@dataclass
class GitHubOrg:
    login: str
    repos: list[Repo] = field(default_factory=list)
    two_factor_required: bool = True
    # {"login", "two_factor": bool, "role": "admin" | "member", "email": the public one or None}
    members: list[dict[str, Any]] = field(default_factory=list)
    # SAML single sign-on's linked identities, {"login", "name_id"}; None: no SAML SSO
    saml_identities: list[dict[str, Any]] | None = None
    outside_collaborators: list[dict[str, Any]] = field(default_factory=list)
    actions: dict[str, Any] = field(
        default_factory=lambda: {"enabled_repositories": "all", "allowed_actions": "selected"}
    )
    workflow: dict[str, Any] = field(
        default_factory=lambda: {
            "default_workflow_permissions": "read",
            "can_approve_pull_request_reviews": False,
        }
    )
    rulesets: dict[int, dict[str, Any]] = field(default_factory=dict)
    dependabot_alerts: list[dict[str, Any]] = field(default_factory=list)
    code_scanning_alerts: list[dict[str, Any]] | None = field(default_factory=list)  # None: not enabled (404)
    owner_credentials: bool = True  # the credential sees owner-only facts (2FA)

    def repo(self, name: str) -> Repo | None:
        return next((r for r in self.repos if r.name.lower() == name.lower()), None)


@dataclass
class App:
    app_id: int
    public_key: Any  # PEM bytes or a cryptography public key
    installation_id: int
    permissions: dict[str, str]


class FakeGitHub(RecordingFake):
    def __init__(
        self,
        org: GitHubOrg,
        token: str | None = None,
        *,
        app: App | None = None,
        rate_limit: int = 5000,
        prefix: str = "",
        window_seconds: float = 3600.0,
    ) -> None:
        self.org = org
        self.token = token
        self.app = app
        self.rate_limit = rate_limit
        self.window_seconds = window_seconds
        self.graphql_page = 100  # GraphQL connections answer at most this many nodes a page
        self.installation_tokens: dict[str, dict[str, str]] = {}  # token -> permissions
        self.authorizations: list[str] = []
        self.spent = 0  # requests counted against the primary rate limit
        self._windows: dict[str, tuple[float, int]] = {}
        # GitHub Enterprise Server serves the API under /api/v3 (`prefix`)
        super().__init__(_handler_for(self), prefix)

    def reset_counts(self) -> None:
        super().reset_counts()
        with self._lock:
            self.spent = 0

    # -- credentials -------------------------------------------------------------------

    def credential(self, header: str) -> tuple[str, dict[str, str] | None] | None:
        """(credential key, its permissions or None for every permission), or None."""
        self.authorizations.append(header)
        scheme, _, value = header.partition(" ")
        if scheme.lower() not in ("token", "bearer") or not value:
            return None
        if self.token is not None and secrets.compare_digest(value, self.token):
            return value, None
        if value in self.installation_tokens:
            return value, self.installation_tokens[value]
        return None

    def issue_installation_token(self, header: str, installation_id: int) -> dict[str, Any] | None:
        import jwt  # PyJWT, installed with githubkit's auth-app extra

        scheme, _, assertion = header.partition(" ")
        if self.app is None or scheme.lower() != "bearer" or installation_id != self.app.installation_id:
            return None
        try:
            claims = jwt.decode(assertion, self.app.public_key, algorithms=["RS256"])
        except Exception:
            return None
        if str(claims.get("iss")) != str(self.app.app_id):
            return None
        token = "ghs_" + secrets.token_urlsafe(27)
        self.installation_tokens[token] = dict(self.app.permissions)
        expires = datetime.now(UTC) + timedelta(hours=1)
        return {
            "token": token,
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "permissions": self.app.permissions,
            "repository_selection": "all",
        }

    def spend(self, key: str, spend: bool) -> tuple[int, int, bool]:
        """(remaining, reset epoch, allowed) in `key`'s window; a 304 does not spend."""
        with self._lock:
            now = time.time()
            start, used = self._windows.get(key, (now, 0))
            if now - start >= self.window_seconds:
                start, used = now, 0
            allowed = used < self.rate_limit
            if allowed and spend:
                used += 1
                self.spent += 1
            self._windows[key] = (start, used)
            return max(self.rate_limit - used, 0), int(start + self.window_seconds) + 1, allowed


def _handler_for(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        json_type = "application/json; charset=utf-8"

        def do_POST(self) -> None:
            request = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlsplit(self.path).path
            if path == ("/api/graphql" if fake.prefix else "/graphql"):  # GHES: beside /api/v3
                status, body = graphql(fake, self.headers.get("Authorization", ""), request)
                fake.record("POST", self.path, status)
                self.send_json(status, body)
                return
            path = path.removeprefix(fake.prefix)
            match = re.match(r"^/app/installations/(\d+)/access_tokens$", path)
            answer = (
                fake.issue_installation_token(self.headers.get("Authorization", ""), int(match.group(1)))
                if match
                else None
            )
            if answer is None:
                fake.record("POST", self.path, 401)
                self.send_json(401, _error("A JSON web token could not be decoded"))
            else:
                fake.record("POST", self.path, 201)
                self.send_json(201, answer)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if not parts.path.startswith(fake.prefix):
                fake.record("GET", self.path, 404)
                self.send_json(404, _error("Not Found"))
                return
            path, query = parts.path.removeprefix(fake.prefix), parse_qs(parts.query)
            credential = fake.credential(self.headers.get("Authorization", ""))
            if credential is None:
                fake.record("GET", self.path, 401)
                self.send_json(401, _error("Bad credentials"))
                return
            key, permissions = credential
            needed = _permission(path)
            if permissions is not None and (needed is None or needed not in permissions):
                fake.record("GET", self.path, 403)
                self.send_json(403, _error("Resource not accessible by integration"))
                return
            fault = fake.faults.after_delay(path)
            try:
                status, body, total = route(fake, path, query)
            except KeyError:
                status, body, total = 404, _error("Not Found"), None
            content = json.dumps(body).encode() if body is not None else b""
            etag = f'W/"{hashlib.sha256(content).hexdigest()}"'
            unchanged = status == 200 and self.headers.get("If-None-Match") == etag and fault is None
            remaining, reset, allowed = fake.spend(key, spend=not unchanged)
            limits = {
                "x-ratelimit-limit": str(fake.rate_limit),
                "x-ratelimit-remaining": str(remaining),
                "x-ratelimit-used": str(fake.rate_limit - remaining),
                "x-ratelimit-reset": str(reset),
                "x-ratelimit-resource": "core",
            }
            if not allowed:
                fake.record("GET", self.path, 403)
                self.send_json(403, _error(f"API rate limit exceeded for installation ID {key[:4]}."), limits)
                return
            if fault is not None and fault.kind == "throttle":
                fake.record("GET", self.path, 403)
                self.send_json(
                    403,
                    _error(
                        "You have exceeded a secondary rate limit. "
                        "Please wait a few minutes before you try again."
                    ),
                    {**limits, "retry-after": "1"},
                )
                return
            if fault is not None and fault.kind in ("error", "unavailable"):
                code = 500 if fault.kind == "error" else 503
                fake.record("GET", self.path, code)
                self.send_json(code, _error("Server Error"), limits)
                return
            link = _link(fake.url + fake.prefix, path, query, total) if total is not None else ""
            paging = {"Link": link} if link else {}
            code, content, headers = conditional(
                status, content, limits, paging, etag=etag, unchanged=unchanged, fault=fault
            )
            fake.record("GET", self.path, code)
            send(self, code, content, self.json_type, headers)

    return Handler


def _error(message: str) -> dict[str, str]:
    return {"message": message, "documentation_url": DOCS, "status": ""}


def _permission(path: str) -> str | None:
    return next((permission for pattern, permission in ENDPOINT_PERMISSIONS if re.match(pattern, path)), None)


def _page_of(items: list[Any], query: dict[str, list[str]]) -> tuple[list[Any], int]:
    per_page = min(int((query.get("per_page") or ["30"])[0]), 100)
    page = max(int((query.get("page") or ["1"])[0]), 1)
    return items[(page - 1) * per_page : page * per_page], len(items)


def _link(base: str, path: str, query: dict[str, list[str]], total: int) -> str:
    per_page = min(int((query.get("per_page") or ["30"])[0]), 100)
    page = max(int((query.get("page") or ["1"])[0]), 1)
    last = max((total + per_page - 1) // per_page, 1)
    flat = {k: v[0] for k, v in query.items()}
    links = []
    if page < last:
        links.append(f'<{base}{path}?{urlencode({**flat, "page": page + 1})}>; rel="next"')
        links.append(f'<{base}{path}?{urlencode({**flat, "page": last})}>; rel="last"')
    if page > 1:
        links.append(f'<{base}{path}?{urlencode({**flat, "page": 1})}>; rel="first"')
        links.append(f'<{base}{path}?{urlencode({**flat, "page": page - 1})}>; rel="prev"')
    return ", ".join(links)


def repo_json(fake: FakeGitHub, repo: Repo) -> dict[str, Any]:
    org = fake.org.login
    status = {True: "enabled", False: "disabled"}
    return {
        "id": zlib.crc32(f"{org}/{repo.name}".encode()),
        "name": repo.name,
        "full_name": f"{org}/{repo.name}",
        "html_url": f"{WEB}/{org}/{repo.name}",
        "private": repo.visibility != "public",
        "visibility": repo.visibility,
        "archived": repo.archived,
        "default_branch": repo.default_branch,
        "owner": {"login": org, "type": "Organization"},
        "security_and_analysis": {
            "secret_scanning": {"status": status[repo.secret_scanning]},
            "secret_scanning_push_protection": {"status": status[repo.push_protection]},
            "dependabot_security_updates": {"status": "disabled"},
        },
    }


def _pull_simple(pull: dict[str, Any]) -> dict[str, Any]:
    """The listing's shape: no `merged_by` (only the single pull request has it)."""
    return {k: v for k, v in pull.items() if k not in ("merged_by", "merged", "mergeable", "comments")}


def route(fake: FakeGitHub, path: str, query: dict[str, list[str]]) -> tuple[int, Any, int | None]:
    """(status, body, total items when paged); KeyError means 404."""
    org = fake.org
    segments = [unquote(s) for s in path.strip("/").split("/")]
    match segments:
        case ["users", login]:
            return 200, _profile(fake, login), None
        case ["orgs", login, *rest] if login.lower() == org.login.lower():
            return _org_route(fake, rest, query)
        case ["repos", owner, name, *rest] if owner.lower() == org.login.lower():
            repo = org.repo(name)
            if repo is None:
                raise KeyError(path)
            return _repo_route(fake, repo, rest, query)
    raise KeyError(path)


def _paged(items: list[Any], query: dict[str, list[str]]) -> tuple[int, Any, int | None]:
    page, total = _page_of(items, query)
    return 200, page, total


def _org_route(fake: FakeGitHub, rest: list[str], query: dict[str, list[str]]) -> tuple[int, Any, int | None]:
    org = fake.org
    match rest:
        case []:
            body: dict[str, Any] = {
                "login": org.login,
                "id": 1,
                "html_url": f"{WEB}/{org.login}",
                "name": org.login.title(),
            }
            if org.owner_credentials:
                body["two_factor_requirement_enabled"] = org.two_factor_required
            return 200, body, None
        case ["repos"]:
            return _paged([repo_json(fake, r) for r in org.repos], query)
        case ["members"]:
            role = (query.get("role") or ["all"])[0]
            members = [m for m in org.members if role == "all" or m.get("role", "member") == role]
            if (query.get("filter") or [""])[0] == "2fa_disabled":
                if not org.owner_credentials:
                    return 422, _error("Only owners can use this filter."), None
                return _paged([_user(fake, m["login"]) for m in members if not m.get("two_factor")], query)
            return _paged([_user(fake, m["login"]) for m in members], query)
        case ["outside_collaborators"]:
            return _paged([_user(fake, c["login"]) for c in org.outside_collaborators], query)
        case ["actions", "permissions"]:
            return 200, org.actions, None
        case ["actions", "permissions", "workflow"]:
            return 200, org.workflow, None
        case ["dependabot", "alerts"]:
            return _paged(org.dependabot_alerts, query)
        case ["code-scanning", "alerts"]:
            if org.code_scanning_alerts is None:
                raise KeyError("code scanning")
            return _paged(org.code_scanning_alerts, query)
    raise KeyError(rest)


def _repo_route(
    fake: FakeGitHub, repo: Repo, rest: list[str], query: dict[str, list[str]]
) -> tuple[int, Any, int | None]:
    match rest:
        case []:
            return 200, repo_json(fake, repo), None
        case ["branches", branch, "protection"] if branch == repo.default_branch:
            if repo.protection is None:
                return 404, _error("Branch not protected"), None
            return 200, repo.protection, None
        case ["rules", "branches", branch] if branch == repo.default_branch:
            return _paged(repo.rules, query)
        case ["rulesets", ruleset_id]:
            return 200, _found(fake.org.rulesets.get(int(ruleset_id))), None
        case ["codeowners", "errors"]:
            if not repo.codeowners:
                raise KeyError("codeowners")
            return 200, {"errors": []}, None
        case ["vulnerability-alerts"]:
            return (204, None, None) if repo.vulnerability_alerts else (404, _error("Not Found"), None)
        case ["actions", "permissions"]:
            return 200, repo.actions, None
        case ["actions", "permissions", "workflow"]:
            return 200, repo.workflow, None
        case ["collaborators"]:
            return _paged([{**_user(fake, c["login"]), **c} for c in repo.collaborators], query)
        case ["pulls"]:
            return _paged(_pulls(repo, query), query)
        case ["pulls", number]:
            return 200, _found(next((p for p in repo.pulls if str(p["number"]) == number), None)), None
        case ["pulls", number, "reviews"]:
            return _paged(repo.reviews.get(int(number), []), query)
        case ["commits", sha, "check-runs"]:
            runs = repo.check_runs.get(sha, [])
            page, total = _page_of(runs, query)
            return 200, {"total_count": len(runs), "check_runs": page}, total
        case ["commits", sha, "status"]:
            statuses = repo.statuses.get(sha, [])
            state = "success" if all(s["state"] == "success" for s in statuses) else "failure"
            return 200, {"state": state, "sha": sha, "total_count": len(statuses), "statuses": statuses}, None
    raise KeyError(rest)


def _pulls(repo: Repo, query: dict[str, list[str]]) -> list[dict[str, Any]]:
    state = (query.get("state") or ["open"])[0]
    base = (query.get("base") or [""])[0]
    found = [
        _pull_simple(p)
        for p in repo.pulls
        if (state == "all" or p["state"] == state) and (not base or p["base"]["ref"] == base)
    ]
    key = (query.get("sort") or ["created"])[0]
    field_name = {"updated": "updated_at", "created": "created_at"}.get(key, "created_at")
    descending = (query.get("direction") or ["desc"])[0] == "desc"
    return sorted(found, key=lambda p: p[field_name], reverse=descending)


def _user(fake: FakeGitHub, login: str) -> dict[str, Any]:
    return {"login": login, "id": zlib.crc32(login.encode()), "html_url": f"{WEB}/{login}", "type": "User"}


def _profile(fake: FakeGitHub, login: str) -> dict[str, Any]:
    """users/users#get-a-user for a member (its public fields; `email` is the public email)."""
    member = _found(next((m for m in fake.org.members if m["login"].lower() == login.lower()), None))
    return {**_user(fake, member["login"]), "name": member.get("name"), "email": member.get("email"),
            "created_at": "2019-05-01T10:00:00Z"}  # fmt: skip


def graphql(fake: FakeGitHub, authorization: str, request: bytes) -> tuple[int, dict[str, Any]]:
    """The one query the collector asks (docs.github.com/en/graphql/reference/objects#
    externalidentityconnection); a mutation or anything else is refused as GitHub would
    refuse an unknown field."""
    credential = fake.credential(authorization)
    if credential is None:
        return 401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/graphql"}
    if credential[1] is not None and "members" not in credential[1]:
        return 403, _error("Resource not accessible by integration")
    try:
        payload = json.loads(request)
        query, variables = str(payload["query"]), payload.get("variables") or {}
    except (ValueError, KeyError, TypeError):
        return 400, {"message": "Problems parsing JSON", "documentation_url": DOCS}
    if query.lstrip().startswith("mutation") or "externalIdentities" not in query:
        return 200, {"errors": [{"type": "UNDEFINED", "message": "this fake answers one query"}]}
    if str(variables.get("login", "")).lower() != fake.org.login.lower():
        missing = {"type": "NOT_FOUND", "message": "Could not resolve to an Organization"}
        return 200, {"data": {"organization": None}, "errors": [missing]}
    identities = fake.org.saml_identities
    if identities is None or not fake.org.owner_credentials:
        return 200, {"data": {"organization": {"samlIdentityProvider": None}}}
    asked = re.search(r"first:\s*(\d+)", query)
    first = min(int(asked.group(1)) if asked else 100, fake.graphql_page)
    start = int(variables.get("after") or 0)
    page = identities[start : start + first]
    nodes = [{"samlIdentity": {"nameId": i["name_id"], "emails": [{"value": i["name_id"], "primary": True}]},
              "user": {"login": i["login"]}} for i in page]  # fmt: skip
    more = start + first < len(identities)
    connection = {"pageInfo": {"hasNextPage": more, "endCursor": str(start + first) if more else None},
                  "nodes": nodes}  # fmt: skip
    return 200, {"data": {"organization": {"samlIdentityProvider": {"externalIdentities": connection}}}}


def _found(item: Any) -> Any:
    if item is None:
        raise KeyError("not found")
    return item


def main() -> None:
    """Serve a synthetic organisation in a process of its own (benchmarks measure the
    collector, not the fake); print its URL, certificate file and token as one JSON line."""
    import argparse

    from evidra.emulators.github_estate import synthetic_org

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--merged", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    token = "ghp_" + secrets.token_urlsafe(27)
    org = synthetic_org(args.repos, args.merged, args.days)
    serve_forever(FakeGitHub(org, token, rate_limit=10_000_000), token)


if __name__ == "__main__":
    main()
