"""A local Google Workspace Admin SDK over HTTPS, for driving the real
google-api-python-client in tests, benchmarks and the demo.

It answers what the collector calls, as the Admin SDK reference describes them:

- `GET /admin/directory/v1/users` (customer, maxResults default 100 and at most 500,
  pageToken, orderBy): `{"kind": "admin#directory#users", "users": [...], "nextPageToken"}`;
- `GET /admin/directory/v1/customer/{customer}/roles` (maxResults at most 100) and
  `/roleassignments` (at most 200): `{"items": [...], "nextPageToken"}`;
- `GET /admin/reports/v1/activity/users/all/applications/{application}` (startTime,
  eventName, maxResults at most 1000): `{"items": [...], "nextPageToken"}`;
- the Cloud Identity devices API v1 (its discovery document, bundled with the client:
  methods devices.list and devices.deviceUsers.list, schemas
  GoogleAppsCloudidentityDevicesV1Device / ...DeviceUser): `GET /v1/devices` (customer
  `customers/{id}`, view, pageSize default 20 and above 100 coerced to 100) answers
  `{"devices": [...], "nextPageToken"}`; `GET /v1/devices/{device}/deviceUsers` (`-`
  for every device; pageSize default 5, coerced to 20) answers `{"deviceUsers": [...]}`.
  A domain without endpoint management answers 403 `{"error": {"code": 403, "message":
  "The caller does not have permission", "status": "PERMISSION_DENIED"}}`, the body
  reported for the devices API in googleapis/google-api-java-client issue 2139 and
  taers232c/GAMADV-XTD3 issue 206 (no `errors` list).

Authentication as Google does it for domain-wide delegation: `POST /token` takes a
service account's signed JWT assertion (JWT bearer grant) naming the user to act as in
`sub`; the signature is checked with the key registered for the account, the subject
must be an administrator and every scope asked for one of the read-only scopes the
delegation grants, else `401 unauthorized_client` as Google answers. A request needs
the scope of its API (Directory users, role management, Reports audit), else 403.
Errors are Google's JSON (`{"error": {"code", "message", "errors": [{"reason"}], "status"}}`).

Faults per path pattern (evidra.emulators.https): `throttle` answers 429 with
`rateLimitExceeded` (which the client retries), `error` 500, `unavailable` 503,
`malformed` a cut JSON body, `delay`.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections import Counter
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from evidra.emulators.gcp_server import GOOGLE_TOKEN_URI, JWT_BEARER, new_service_account_key
from evidra.emulators.google_workspace_estate import SERVICE_ACCOUNT_EMAIL, WorkspaceDomain
from evidra.emulators.https import FakeHandler, Fault, HttpsFake, send

USERS_SCOPE = "https://www.googleapis.com/auth/admin.directory.user.readonly"
ROLES_SCOPE = "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly"
REPORTS_SCOPE = "https://www.googleapis.com/auth/admin.reports.audit.readonly"
DEVICES_SCOPE = "https://www.googleapis.com/auth/cloud-identity.devices.readonly"
DELEGATED = {USERS_SCOPE, ROLES_SCOPE, REPORTS_SCOPE, DEVICES_SCOPE}
_ROUTES = (
    ("users.list", re.compile(r"^/admin/directory/v1/users$"), USERS_SCOPE, "users", 500),
    (
        "roles.list",
        re.compile(r"^/admin/directory/v1/customer/(?P<customer>[^/]+)/roles$"),
        ROLES_SCOPE,
        "items",
        100,
    ),
    (
        "roleAssignments.list",
        re.compile(r"^/admin/directory/v1/customer/(?P<customer>[^/]+)/roleassignments$"),
        ROLES_SCOPE,
        "items",
        200,
    ),
    (
        "activities.list",
        re.compile(r"^/admin/reports/v1/activity/users/(?P<user>[^/]+)/applications/(?P<app>[^/]+)$"),
        REPORTS_SCOPE,
        "items",
        1000,
    ),
    ("devices.list", re.compile(r"^/v1/devices$"), DEVICES_SCOPE, "devices", 100),
    (
        "devices.deviceUsers.list",
        re.compile(r"^/v1/devices/(?P<device>[^/]+)/deviceUsers$"),
        DEVICES_SCOPE,
        "deviceUsers",
        20,
    ),
)
# Cloud Identity's page sizes: (default, largest); a larger one is coerced, not refused.
_PAGE_SIZES = {"devices.list": (20, 100), "devices.deviceUsers.list": (5, 20)}


class FakeWorkspace(HttpsFake):
    def __init__(self, domain: WorkspaceDomain) -> None:
        self.domain = domain
        self.requests: list[tuple[str, dict[str, list[str]]]] = []  # (operation, query)
        self.grants: list[dict[str, Any]] = []
        self.refused = 0
        self.public_keys: dict[str, bytes] = {}
        # The scopes the Admin console's domain-wide delegation grants the service account.
        self.delegated = set(DELEGATED)
        self._tokens: dict[str, set[str]] = {}  # access token -> scopes
        super().__init__(_handler_for(self))

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def write_key(self, path: Path, email: str = SERVICE_ACCOUNT_EMAIL) -> Path:
        info, public_pem = new_service_account_key(email, self.token_uri)
        self.public_keys[email] = public_pem
        path.write_text(json.dumps(info, indent=2))
        path.chmod(0o600)
        return path

    def calls(self) -> Counter[str]:
        with self._lock:
            return Counter(operation for operation, _ in self.requests)

    def issue_token(self, form: dict[str, list[str]]) -> dict[str, Any] | None:
        from google.auth import jwt

        if (form.get("grant_type") or [""])[0] != JWT_BEARER:
            return None
        assertion = (form.get("assertion") or [""])[0]
        try:
            unverified = jwt.decode(assertion, verify=False)
            claims: dict[str, Any] = jwt.decode(
                assertion,
                certs=self.public_keys[unverified["iss"]].decode(),
                verify=True,
                audience=(GOOGLE_TOKEN_URI, self.token_uri),
            )
        except Exception:
            return None
        scopes = set(str(claims.get("scope", "")).split())
        if claims.get("sub") not in self.domain.admins or not scopes or not scopes <= self.delegated:
            return None
        token = "ya29.fake-ws-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = scopes
            self.grants.append(claims)
        return {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def scopes_of(self, header: str) -> set[str] | None:
        if not header.startswith("Bearer "):
            return None
        with self._lock:
            return self._tokens.get(header[7:])


def _handler_for(fake: FakeWorkspace) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        json_type = "application/json; charset=UTF-8"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if urlsplit(self.path).path != "/token":
                self._error(404, "notFound", "Not Found")
                return
            answer = fake.issue_token(parse_qs(body))
            if answer is None:
                self.send_json(
                    401,
                    {
                        "error": "unauthorized_client",
                        "error_description": "Client is unauthorized to retrieve access tokens using this "
                        "method, or client not authorized for any of the scopes requested.",
                    },
                )
            else:
                self.send_json(200, answer)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path, query = unquote(parts.path), parse_qs(parts.query)
            route = next(((r, m) for r in _ROUTES if (m := r[1].match(path))), None)
            if route is None:
                self._error(404, "notFound", f"The requested URL {path} was not found on this server.")
                return
            (operation, _, scope, key, largest), match = route
            with fake._lock:
                fake.requests.append((operation, query))
            scopes = fake.scopes_of(self.headers.get("Authorization", ""))
            if scopes is None:
                with fake._lock:
                    fake.refused += 1
                self._error(401, "authError", "Invalid Credentials", "UNAUTHENTICATED")
                return
            if scope not in scopes:
                self._error(
                    403,
                    "insufficientPermissions",
                    "Request had insufficient authentication scopes.",
                    "PERMISSION_DENIED",
                )
                return
            if operation in _PAGE_SIZES and not fake.domain.endpoint_management:
                self._error(403, "", "The caller does not have permission", "PERMISSION_DENIED")
                return
            fault = fake.faults.after_delay(path)
            if fault is not None:
                self._fault(fault)
                return
            try:
                items = _items(fake.domain, operation, match.groupdict(), query)
                self.send_json(200, _page(operation, items, key, query, largest))
            except LookupError as exc:
                self._error(404, "notFound", str(exc), "NOT_FOUND")
            except ValueError as exc:
                self._error(400, "invalid", str(exc), "INVALID_ARGUMENT")

        def _fault(self, fault: Fault) -> None:
            if fault.kind == "throttle":
                self._error(
                    429,
                    "rateLimitExceeded",
                    "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user'.",
                    "RESOURCE_EXHAUSTED",
                )
            elif fault.kind == "error":
                self._error(500, "backendError", "Backend Error", "INTERNAL")
            elif fault.kind == "unavailable":
                self._error(503, "backendError", "The service is currently unavailable.", "UNAVAILABLE")
            else:
                send(self, 200, b'{"kind": "admin#directory#users", "users": [{"id": "1', self.json_type)

        def _error(self, code: int, reason: str, message: str, status: str | None = None) -> None:
            error: dict[str, Any] = {"code": code, "message": message}
            if reason:  # the Admin SDK lists reasons; Cloud Identity's errors have none
                error["errors"] = [{"message": message, "domain": "global", "reason": reason}]
            if status:
                error["status"] = status
            self.send_json(code, {"error": error})

    return Handler


def _customer_ok(domain: WorkspaceDomain, customer: str) -> None:
    if customer not in ("my_customer", domain.customer_id):
        raise LookupError(f"Resource Not Found: {customer}")


def _items(
    domain: WorkspaceDomain, operation: str, path: dict[str, str], query: dict[str, list[str]]
) -> list[dict[str, Any]]:
    if operation == "users.list":
        _customer_ok(domain, (query.get("customer") or [""])[0])
        return sorted(domain.users, key=lambda u: str(u["primaryEmail"]))
    if operation == "roles.list":
        _customer_ok(domain, path["customer"])
        return domain.roles
    if operation == "roleAssignments.list":
        _customer_ok(domain, path["customer"])
        return domain.role_assignments
    if operation.startswith("devices."):
        customer = (query.get("customer") or ["customers/my_customer"])[0]
        _customer_ok(domain, customer.removeprefix("customers/"))
        if operation == "devices.list":
            return sorted(domain.devices, key=lambda d: str(d["name"]))
        device = path["device"]
        return [u for u in domain.device_users if device == "-" or u["name"].startswith(f"devices/{device}/")]
    activities = domain.activities.get(path["app"], [])
    start = (query.get("startTime") or [""])[0]
    event = (query.get("eventName") or [""])[0]
    if start:
        since = datetime.fromisoformat(start.replace("Z", "+00:00"))
        activities = [
            a for a in activities if datetime.fromisoformat(a["id"]["time"].replace("Z", "+00:00")) >= since
        ]
    if event:
        activities = [a for a in activities if any(e["name"] == event for e in a["events"])]
    # The Reports API answers newest first.
    return sorted(activities, key=lambda a: a["id"]["time"], reverse=True)


def _page(
    operation: str, items: list[dict[str, Any]], key: str, query: dict[str, list[str]], largest: int
) -> dict[str, Any]:
    if operation in _PAGE_SIZES:
        default, largest = _PAGE_SIZES[operation]
        size = min(int((query.get("pageSize") or [str(default)])[0] or default), largest)
        if size < 0:
            raise ValueError(f"Invalid value for pageSize: {size}")
        size = size or default
    else:
        size = int((query.get("maxResults") or ["100"])[0] or 100)
        if not 1 <= size <= largest:
            raise ValueError(f"Invalid value for maxResults: {size} (1 to {largest})")
    token = (query.get("pageToken") or [""])[0]
    try:
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except ValueError:
        raise ValueError("Invalid page token") from None
    page: dict[str, Any] = {key: items[start : start + size]}
    if operation == "users.list":
        page["kind"] = "admin#directory#users"
    if start + size < len(items):
        page["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return page
