"""A local Okta API over HTTPS, for driving the real `okta` SDK in tests and benchmarks.

It answers the read endpoints the collector uses with Okta-shaped JSON, paginates
like Okta (separate `Link` headers, `rel="self"` then `rel="next"`, an opaque `after`
cursor, `limit` honoured; the System Log offers a next page forever unless `until`
bounds the query), sends X-Rate-Limit-Limit/Remaining/Reset on every answer and
enforces the limit per endpoint with a 429, and checks `Authorization: SSWS <token>`
(with or without the space, as the SDK's two code paths send it) or an OAuth access
token it issued at `/oauth2/v1/token` for a client assertion signed with the
registered key.

Faults are injected per path pattern: `throttle` (429 with X-Rate-Limit-Reset),
`error` (500), `unavailable` (503), `malformed` (a 200 with a broken JSON body),
`delay` (answer late), each `times` times or for ever.

    with FakeOkta(org, token="00abc...") as fake:
        fake.url, fake.cert_file
        fake.add_fault(r"^/api/v1/users/[^/]+/factors$", "error")

Run as `python -m evidra.emulators.okta_server --users 50000` it serves a synthetic org in
its own process (the benchmark measures the collector, not the fake) and prints its
URL, certificate file and token as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from evidra.emulators.https import FakeHandler, HttpsFake, send, serve_forever

_IDENTITY_ENGINE_POLICIES = frozenset({"ACCESS_POLICY", "PROFILE_ENROLLMENT"})
_STATUS_TERM = re.compile(r'status eq "([A-Z_]+)"')
_EVENT_TERM = re.compile(r'eventType eq "([a-z_.]+)"')


@dataclass
class OktaOrg:
    """The organisation's data, as Okta would answer it (see src/evidra/emulators/okta_estate.py)."""

    users: Sequence[dict[str, Any]]
    me: str  # id of the user the API token belongs to
    factors: Callable[[str], list[dict[str, Any]]] | dict[str, list[dict[str, Any]]] = field(
        default_factory=dict
    )
    user_roles: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    groups: list[dict[str, Any]] = field(default_factory=list)
    group_roles: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    memberships: dict[str, list[str]] = field(default_factory=dict)  # user id -> group ids
    policies: list[dict[str, Any]] = field(default_factory=list)
    rules: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # policy id -> rules
    api_tokens: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    apps: list[dict[str, Any]] = field(default_factory=list)
    # "identity" (Okta Identity Engine) or "classic" (Classic Engine, no authentication policies)
    engine: str = "identity"

    def factors_of(self, user_id: str) -> list[dict[str, Any]]:
        if callable(self.factors):
            return self.factors(user_id)
        return self.factors.get(user_id, [])

    def user(self, key: str) -> dict[str, Any] | None:
        """By id or login, as `/api/v1/users/{idOrLogin}` looks users up."""
        for user in self.users:
            if user["id"] == key or user["profile"].get("login", "").lower() == key.lower():
                return user
        return None


class FakeOkta(HttpsFake):
    def __init__(
        self,
        org: OktaOrg,
        token: str,
        *,
        rate_limit: int = 10_000,
        window_seconds: float = 60.0,
        oauth_clients: dict[str, Any] | None = None,
    ) -> None:
        """`oauth_clients`: client id -> public key (PEM or cryptography key) of service apps."""
        self.org = org
        self.token = token
        self.rate_limit = rate_limit
        self.window_seconds = window_seconds
        self.oauth_clients = oauth_clients or {}
        self.access_tokens: set[str] = set()
        self.requests: list[tuple[str, str]] = []  # (path, query) of every API request
        self.request_times: list[float] = []  # when each of them arrived (epoch seconds)
        self.authorizations: list[str] = []  # every Authorization header seen
        self.throttled = 0  # 429s answered
        self._buckets: dict[str, tuple[float, int]] = {}  # bucket -> (window start, used)
        super().__init__(_handler_for(self))

    def count(self, pattern: str) -> int:
        return sum(1 for path, _ in self.requests if re.search(pattern, path))

    # -- request handling (called from the handler's threads) --

    def spend(self, bucket: str) -> tuple[int, int, bool]:
        """(remaining, reset epoch, allowed) for one request in `bucket`'s window."""
        with self._lock:
            now = time.time()
            start, used = self._buckets.get(bucket, (now, 0))
            if now - start >= self.window_seconds:
                start, used = now, 0
            allowed = used < self.rate_limit
            used += 1 if allowed else 0
            self._buckets[bucket] = (start, used)
            return max(self.rate_limit - used, 0), int(start + self.window_seconds) + 1, allowed

    def authorized(self, header: str) -> bool:
        self.authorizations.append(header)
        if header.startswith("SSWS"):
            return secrets.compare_digest(header[4:].strip(), self.token)
        if header.startswith("Bearer "):
            return header[7:] in self.access_tokens
        return False

    def issue_token(self, form: dict[str, list[str]]) -> dict[str, Any] | None:
        import jwt  # PyJWT, installed with the okta SDK

        assertion = (form.get("client_assertion") or [""])[0]
        try:
            claims = jwt.decode(assertion, options={"verify_signature": False})
            key = self.oauth_clients[claims["sub"]]
            jwt.decode(assertion, key, algorithms=["RS256"], audience=f"{self.url}/oauth2/v1/token")
        except Exception:
            return None
        token = secrets.token_urlsafe(24)
        self.access_tokens.add(token)
        scope = (form.get("scope") or [""])[0]
        return {"token_type": "Bearer", "expires_in": 3600, "access_token": token, "scope": scope}


def _handler_for(fake: FakeOkta) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if urlsplit(self.path).path != "/oauth2/v1/token":
                self.send_json(
                    404, _error("E0000022", "The endpoint does not support the provided HTTP method")
                )
                return
            answer = fake.issue_token(parse_qs(body))
            if answer is None:
                self.send_json(
                    401, {"error": "invalid_client", "error_description": "The client assertion is invalid."}
                )
            else:
                self.send_json(200, answer)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path, query = parts.path, parse_qs(parts.query)
            with fake._lock:
                fake.requests.append((path, parts.query))
                fake.request_times.append(time.time())
            if not fake.authorized(self.headers.get("Authorization", "")):
                self.send_json(401, _error("E0000011", "Invalid token provided"))
                return
            fault = fake.faults.after_delay(path)
            remaining, reset, allowed = fake.spend(_bucket(path))
            limits = {
                "X-Rate-Limit-Limit": str(fake.rate_limit),
                "X-Rate-Limit-Remaining": str(remaining),
                "X-Rate-Limit-Reset": str(reset),
            }
            if fault is not None and fault.kind == "throttle":
                fault.reset_at = int(time.time()) + 1
                limits |= {"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(int(fault.reset_at))}
                allowed = False
            if not allowed:
                with fake._lock:
                    fake.throttled += 1
                self.send_json(
                    429, _error("E0000047", "API call exceeded rate limit due to too many requests."), limits
                )
                return
            if fault is not None and fault.kind in ("error", "unavailable"):
                status = 500 if fault.kind == "error" else 503
                self.send_json(status, _error("E0000009", "Internal Server Error"), limits)
                return
            try:
                status, body, links = route(fake, path, query)
            except KeyError:
                self.send_json(404, _error("E0000007", f"Not found: Resource not found: {path}"), limits)
                return
            if fault is not None and fault.kind == "malformed":
                send(self, 200, b'[{"id": "00u1", "status": "ACT', headers=limits)
                return
            links_sent = self._links(path, query, links)
            send(self, status, json.dumps(body).encode(), headers=[*limits.items(), *links_sent])

        def _links(
            self, path: str, query: dict[str, list[str]], next_params: dict[str, str] | None
        ) -> list[tuple[str, str]]:
            """One Link header per link, as Okta sends them."""
            flat = {k: v[0] for k, v in query.items()}
            links = [f'<{fake.url}{path}?{urlencode(flat)}>; rel="self"']
            if next_params:
                links.append(f'<{fake.url}{path}?{urlencode({**flat, **next_params})}>; rel="next"')
            return [("Link", link) for link in links]

    return Handler


def _error(code: str, summary: str) -> dict[str, Any]:
    return {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oae1",
        "errorCauses": [],
    }


def _bucket(path: str) -> str:
    """Okta limits per endpoint family: ids collapse into one bucket."""
    return re.sub(r"/(00[a-zA-Z0-9]+|[a-z]{3}[A-Za-z0-9]{10,})(?=/|$)", "/{id}", path)


def _page(
    items: Sequence[Any], query: dict[str, list[str]], default_limit: int = 200
) -> tuple[list[Any], dict[str, str] | None]:
    """A page from the `after` cursor (an opaque offset here), and the next link's parameters."""
    limit = int((query.get("limit") or [str(default_limit)])[0])
    start = int((query.get("after") or ["0"])[0], 36)
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    return page, ({"after": _cursor(start + limit)} if more else None)


def _cursor(offset: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        offset, rest = divmod(offset, 36)
        out = digits[rest] + out
        if offset == 0:
            return out


def _users(fake: FakeOkta, query: dict[str, list[str]]) -> tuple[list[Any], dict[str, str] | None]:
    """A page of users matching the status filter (without one, Okta leaves the
    deprovisioned out), scanned from the cursor so a 50,000-user org serves a page
    without building every user."""
    expression = (query.get("filter") or query.get("search") or [""])[0]
    statuses = set(_STATUS_TERM.findall(expression)) or {
        "STAGED",
        "PROVISIONED",
        "ACTIVE",
        "RECOVERY",
        "PASSWORD_EXPIRED",
        "LOCKED_OUT",
        "SUSPENDED",
    }
    users = fake.org.users
    limit = int((query.get("limit") or ["200"])[0])
    position = int((query.get("after") or ["0"])[0], 36)
    page: list[Any] = []
    while position < len(users) and len(page) < limit:
        user = users[position]
        position += 1
        if user["status"] in statuses:
            page.append(user)
    return page, ({"after": _cursor(position)} if position < len(users) else None)


def _without_access_policy(app: dict[str, Any]) -> dict[str, Any]:
    links = {k: v for k, v in (app.get("_links") or {}).items() if k != "accessPolicy"}
    return {**app, "_links": links}


def _logs(fake: FakeOkta, query: dict[str, list[str]]) -> tuple[list[Any], dict[str, str] | None]:
    types = set(_EVENT_TERM.findall((query.get("filter") or [""])[0]))
    since = (query.get("since") or [""])[0]
    until = (query.get("until") or [""])[0]
    # Okta returns nothing older than 90 days, whatever `since` asks (System Log API
    # reference, data retention; okta-developer-docs: "the last 90 days").
    retained = (datetime.now(UTC) - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    since = max(since.replace("Z", ".000Z") if since else "", retained).replace(".000Z", "Z")
    events = [
        e
        for e in fake.org.logs
        if (not types or e["eventType"] in types)
        and (not since or e["published"] >= since.replace("Z", ".000Z"))
        and (not until or e["published"] < until.replace("Z", ".000Z"))
    ]
    events.sort(key=lambda e: e["published"])
    page, more = _page(events, query, default_limit=100)
    if more is None and not until:
        # Without `until` the System Log is a poll: there is always a next page.
        offset = int((query.get("after") or ["0"])[0], 36) + len(page)
        more = {"after": _cursor(offset)}
    return page, more


def route(fake: FakeOkta, path: str, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str] | None]:
    """(status, body, next-page parameters) for a GET; KeyError means 404."""
    org = fake.org
    segments = [unquote(s) for s in path.strip("/").split("/")]
    if segments[:2] != ["api", "v1"]:
        raise KeyError(path)
    rest = segments[2:]
    match rest:
        case ["users"]:
            page, more = _users(fake, query)
            return 200, page, more
        case ["users", "me"]:
            return 200, _found(org.user(org.me)), None
        case ["users", key]:
            return 200, _found(org.user(key)), None
        case ["users", user_id, "factors"]:
            return 200, org.factors_of(user_id), None
        case ["users", user_id, "roles"]:
            return 200, org.user_roles.get(user_id, []), None
        case ["users", user_id, "groups"]:
            wanted = set(org.memberships.get(user_id, []))
            return 200, [g for g in org.groups if g["id"] in wanted], None
        case ["iam", "assignees", "users"]:
            holders = sorted(org.user_roles)
            page, more = _page(holders, query, default_limit=100)
            body: dict[str, Any] = {
                "value": [{"id": uid, "orn": f"orn:okta:directory:00o1:users:{uid}"} for uid in page],
                "_links": {"self": {"href": f"{fake.url}{path}"}},
            }
            if more:
                body["_links"]["next"] = {"href": f"{fake.url}{path}?{urlencode({**_flat(query), **more})}"}
            return 200, body, None
        case ["groups"]:
            page, more = _page(org.groups, query)
            return 200, page, more
        case ["groups", group_id]:
            return 200, _found(next((g for g in org.groups if g["id"] == group_id), None)), None
        case ["groups", group_id, "roles"]:
            return 200, org.group_roles.get(group_id, []), None
        case ["policies"]:
            kind = (query.get("type") or [""])[0]
            if not kind:
                return 400, _error("E0000001", "Api validation failed: type"), None
            if org.engine == "classic" and kind in _IDENTITY_ENGINE_POLICIES:
                # What a Classic Engine org answers (okta/terraform-provider-okta issue 1202
                # and PR 1445: ACCESS_POLICY and PROFILE_ENROLLMENT are Identity Engine's).
                return (
                    400,
                    _error("E0000002", "The request was not valid: Invalid policy type specified."),
                    None,
                )
            return 200, [p for p in org.policies if p["type"] == kind], None
        case ["policies", policy_id, "rules"]:
            return 200, org.rules[policy_id], None
        case ["apps"]:
            # GET /api/v1/apps: 20 a page by default, at most 200 (Apps API reference).
            apps = org.apps
            if org.engine == "classic":
                # A Classic Engine app has no authentication policy to link to.
                apps = [_without_access_policy(a) for a in apps]
            page, more = _page(apps, query, default_limit=20)
            return 200, page, more
        case ["api-tokens"]:
            page, more = _page(org.api_tokens, query, default_limit=20)
            return 200, page, more
        case ["logs"]:
            page, more = _logs(fake, query)
            return 200, page, more
    raise KeyError(path)


def _found(item: dict[str, Any] | None) -> dict[str, Any]:
    if item is None:
        raise KeyError("not found")
    return item


def _flat(query: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[0] for k, v in query.items()}


def main() -> None:
    from evidra.emulators.okta_estate import synthetic_org

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--rate-limit", type=int, default=1_000_000)
    args = parser.parse_args()
    token = "00" + secrets.token_urlsafe(30)
    serve_forever(FakeOkta(synthetic_org(args.users), token, rate_limit=args.rate_limit), token)


if __name__ == "__main__":
    main()
