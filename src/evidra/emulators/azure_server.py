"""A local Azure over HTTPS: the Entra ID token endpoint, Azure Resource Manager and
Microsoft Graph, for driving the real azure-identity credential, the real management
SDKs and azure-core's pipeline in tests and the demo.

Three loopback HTTPS servers sharing one certificate (`cert_file`), as the three are
three hosts in Azure:

- **login** (`authority_url`): the OpenID configuration MSAL reads for a tenant
  (`/{tenant}/v2.0/.well-known/openid-configuration`) and the token endpoint
  (`/{tenant}/oauth2/v2.0/token`, client credentials with the registered secret or a
  client assertion signed with the registered certificate). A token is issued for one
  audience, the `scope` asked for (`<arm_url>/.default` or `<graph_url>/.default`).
- **Resource Manager** (`arm_url`): every resource of the estate by its id, and listings
  derived from the ids (a resource's parent path; for a resource in a group, also the
  subscription-wide listing; a VM's instance view is kept under `<vm id>/instanceView`
  and answered without the id), paged with `nextLink` after `page_size` items (the
  listings Azure does not page, pricings and diagnostic settings, come whole).
  `api-version` is required; a subscription named in `denied` answers 403
  AuthorizationFailed, one whose resource provider is `unregistered` answers 409
  MissingSubscriptionRegistration. Defender's assessments and sub-assessments are also
  listed for their whole subscription. Reads are throttled per subscription like ARM's token bucket
  (`read_capacity`, refilled at `refill_per_second`) and every answer carries
  `x-ms-ratelimit-remaining-subscription-reads`.
- **Graph** (`graph_url`): `/v1.0/<path>` collections paged with `@odata.nextLink`
  (`$top` honoured, `$skiptoken` opaque) and single objects.

Each checks the bearer token it issued for its own audience. Faults are injected per
path pattern (`throttle`: 429 with `Retry-After`, `error`: 500, `unavailable`: 503,
`malformed`: a 200 with a broken JSON body, `delay`), `times` times or for ever.

    with FakeAzure(demo_tenant()) as fake:
        fake.arm_url, fake.graph_url, fake.authority_url, fake.cert_file
        fake.add_fault(r"/providers/Microsoft\\.Sql/servers$", "throttle", times=1)
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from evidra.emulators.https import Fault, FaultKind, Faults, LoopbackHttps

_TOP_LEVEL = re.compile(r"^(/subscriptions/[^/]+)/resourcegroups/[^/]+/providers/([^/]+)/([^/]+)/[^/]+$")
_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)")
_NO_API_VERSION = "The api-version query parameter (?api-version=) is required for all requests."
_THROTTLED = (
    "Number of 'read' requests for subscription exceeded the limit. Please try again after '1' seconds."
)
_DENIED = (
    "The client '{client}' does not have authorization to perform action "
    "'Microsoft.Resources/subscriptions/read' over scope '/subscriptions/{subscription}' "
    "or the scope is invalid. If access was recently granted, please refresh your credentials."
)
# Defender's assessments and sub-assessments live under the resource they assess
# (`<resource>/providers/Microsoft.Security/assessments/<key>[/subAssessments/<id>]`) and
# are listed for a whole subscription too (REST specifications: Assessments_List
# 2021-06-01 `/{scope}/providers/Microsoft.Security/assessments`, SubAssessments_ListAll
# 2019-01-01-preview `/{scope}/providers/Microsoft.Security/subAssessments`).
_DEFENDER = re.compile(
    r"^(/subscriptions/[^/]+)/resourcegroups/.+/providers/microsoft\.security/assessments/[^/]+"
    r"(/subassessments/[^/]+)?$"
)
# A resource provider the subscription is not registered for: ARM's answer, as reported
# by its users (Azure/azure-sdk-for-node issue 2305, nforgeio/neonKUBE issue 1670: 409).
_UNREGISTERED = (
    "The subscription is not registered to use namespace '{namespace}'. "
    "See https://aka.ms/rps-not-found for how to register subscriptions."
)
# Listings Azure answers whole, without nextLink (their SDK methods do not page).
_UNPAGED = ("/providers/microsoft.security/pricings", "/providers/microsoft.insights/diagnosticsettings")


@dataclass
class AzureTenant:
    """The tenant's data, as Azure would answer it (see azure_estate.py)."""

    tenant_id: str
    client_id: str
    client_secret: str
    subscriptions: list[dict[str, Any]]
    resources: list[dict[str, Any]]  # every ARM resource, nested ones included, each with its `id`
    graph: dict[str, Any]  # Graph path after /v1.0 -> list (a collection) or dict (an object)
    denied: set[str] = field(default_factory=set)  # subscription ids answering 403
    # subscription id -> resource provider namespaces it is not registered for (409)
    unregistered: dict[str, set[str]] = field(default_factory=dict)
    # Entra ID licence: "free" (no premium features), "P1" or "P2" (see _licence_refusal)
    licence: str = "P2"
    intune: bool = True  # an Intune licence: without one, /deviceManagement answers 400
    certificate_pem: bytes | None = None  # the app's certificate, for client assertions


class FakeAzure:
    def __init__(
        self,
        tenant: AzureTenant,
        *,
        page_size: int = 50,
        graph_page_size: int = 100,
        read_capacity: int = 250,
        refill_per_second: float = 25.0,
        refill_when_idle: float | None = None,
    ) -> None:
        """`refill_when_idle`: seconds without a request after which a subscription's read
        bucket is full again (a client that waits is refilled, one that does not is not,
        whatever the machine's speed)."""
        self.tenant = tenant
        self.page_size = page_size
        self.graph_page_size = graph_page_size
        self.read_capacity = read_capacity
        self.refill_per_second = refill_per_second
        self.refill_when_idle = refill_when_idle
        self.faults = Faults()
        self.requests: list[tuple[str, str, str, str]] = []  # (host role, method, path, query)
        self.token_scopes: list[str] = []  # the scope of every token issued
        self.throttled = 0  # 429s answered (injected or by the read budget)
        self._tokens: dict[str, str] = {}  # access token -> audience ("arm" | "graph")
        self._buckets: dict[str, tuple[float, float]] = {}  # subscription -> (tokens, at)
        self._lock = threading.Lock()
        self._objects, self._collections = _index(tenant)
        self._login = LoopbackHttps(_handler(self, "login"))
        self._arm = LoopbackHttps(_handler(self, "arm"))
        self._graph = LoopbackHttps(_handler(self, "graph"))
        self.cert_file = self._arm.cert_file

    @property
    def authority_url(self) -> str:
        return self._login.url

    @property
    def arm_url(self) -> str:
        return self._arm.url

    @property
    def graph_url(self) -> str:
        return self._graph.url

    def add_fault(
        self, pattern: str, kind: FaultKind, *, times: int | None = None, delay: float = 0.0
    ) -> Fault:
        return self.faults.add(pattern, kind, times=times, delay=delay)

    def set_resources(self, resources: list[dict[str, Any]]) -> None:
        """The estate changes between two collections (a scanner's next report)."""
        with self._lock:
            self.tenant.resources = resources
            self._objects, self._collections = _index(self.tenant)

    def count(self, role: str, pattern: str) -> int:
        return sum(1 for r, _, path, _ in self.requests if r == role and re.search(pattern, path))

    def __enter__(self) -> FakeAzure:
        for server in (self._login, self._arm, self._graph):
            server.start()
        return self

    def __exit__(self, *_: object) -> None:
        for server in (self._login, self._arm, self._graph):
            server.stop()

    # -- called from the handlers' threads --

    def record(self, role: str, method: str, path: str, query: str) -> None:
        with self._lock:
            self.requests.append((role, method, path, query))

    def audience(self, authorization: str) -> str | None:
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        with self._lock:
            return self._tokens.get(token)

    def issue_token(self, tenant: str, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        first = {k: v[0] for k, v in form.items()}
        if tenant != self.tenant.tenant_id:
            return 400, _aad_error("invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
        if first.get("client_id") != self.tenant.client_id:
            return 400, _aad_error(
                "unauthorized_client", "AADSTS700016: Application not found in the directory."
            )
        if not self._client_authenticated(first):
            return 401, _aad_error("invalid_client", "AADSTS7000215: Invalid client secret provided.")
        scope = first.get("scope", "")
        audiences = {f"{self.arm_url}/.default": "arm", f"{self.graph_url}/.default": "graph"}
        audience = next((a for s, a in audiences.items() if s in scope.split()), None)
        if audience is None:
            return 400, _aad_error(
                "invalid_scope", f"AADSTS70011: The provided value '{scope}' is not valid."
            )
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = audience
            self.token_scopes.append(scope)
        return 200, {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token,
        }

    def _client_authenticated(self, form: dict[str, str]) -> bool:
        if "client_secret" in form:
            return secrets.compare_digest(form["client_secret"], self.tenant.client_secret)
        assertion = form.get("client_assertion")
        if not assertion or self.tenant.certificate_pem is None:
            return False
        import jwt  # PyJWT, which MSAL itself depends on
        from cryptography import x509

        public_key = x509.load_pem_x509_certificate(self.tenant.certificate_pem).public_key()
        try:
            claims = jwt.decode(
                assertion,
                public_key,  # type: ignore[arg-type]
                algorithms=["RS256", "PS256"],
                audience=f"{self.authority_url}/{self.tenant.tenant_id}/oauth2/v2.0/token",
            )
        except jwt.PyJWTError:
            return False
        return bool(claims.get("sub") == self.tenant.client_id)

    def spend_read(self, subscription: str | None) -> tuple[int, bool]:
        """(reads remaining, allowed) in the subscription's bucket."""
        if subscription is None:
            return self.read_capacity, True
        with self._lock:
            now = time.monotonic()
            tokens, at = self._buckets.get(subscription, (float(self.read_capacity), now))
            tokens = min(float(self.read_capacity), tokens + (now - at) * self.refill_per_second)
            if self.refill_when_idle is not None and now - at >= self.refill_when_idle:
                tokens = float(self.read_capacity)
            allowed = tokens >= 1
            if allowed:
                tokens -= 1
            self._buckets[subscription] = (tokens, now)
            return int(tokens), allowed

    def arm_answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        key = path.rstrip("/").lower()
        account, found, _ = key.partition("/blobservices")
        if found and (self._objects.get(account) or {}).get("kind") == "FileStorage":
            # A FileStorage account has no blob service: its blob service, containers and
            # the settings under them answer 400 (reported answers: Azure/PSRule.Rules.Azure
            # issue 464, PaladinCloud/CE PR 1651; the code is the Storage RP's).
            return 400, _arm_error("FeatureNotSupportedForAccount", "Blob is not supported for the account.")
        if key in self._objects:
            if key.endswith("/instanceview"):  # a VM's instance view: Azure's answer has no id
                return 200, {k: v for k, v in self._objects[key].items() if k != "id"}
            return 200, self._objects[key]
        if key in self._collections:
            items = self._collections[key]
            if key.endswith(_UNPAGED):
                return 200, {"value": items}
            start = int((query.get("$skiptoken") or ["0"])[0])
            body: dict[str, Any] = {"value": items[start : start + self.page_size]}
            if start + self.page_size < len(items):
                flat = {k: v[0] for k, v in query.items() if k != "$skiptoken"}
                body["nextLink"] = (
                    f"{self.arm_url}{path}?{urlencode({**flat, '$skiptoken': start + self.page_size})}"
                )
            return 200, body
        if _is_collection(key):
            return 200, {"value": []}  # a resource type with nothing in it
        return 404, _arm_error("ResourceNotFound", f"The Resource '{path}' was not found.")

    def unregistered_answer(self, subscription: str | None, path: str) -> dict[str, Any] | None:
        """ARM's 409 for a path of a resource provider the subscription is not registered for."""
        namespace = path.rpartition("/providers/")[2].split("/")[0] if "/providers/" in path else ""
        names = {
            n.lower()
            for s, found in self.tenant.unregistered.items()
            if subscription and s.lower() == subscription.lower()
            for n in found
        }
        if not namespace or namespace.lower() not in names:
            return None
        message = _UNREGISTERED.format(namespace=namespace)
        code = "MissingSubscriptionRegistration"
        return {"error": {"code": code, "message": message, "details": [
            {"code": code, "target": namespace, "message": message}
        ]}}  # fmt: skip

    def graph_answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        refusal = _licence_refusal(self.tenant.licence, path.removeprefix("/v1.0"), query)
        if refusal is None and not self.tenant.intune and path.startswith("/v1.0/deviceManagement/"):
            refusal = _NO_INTUNE
        if refusal is not None:
            return refusal
        found = self.tenant.graph.get(path.removeprefix("/v1.0"))
        if found is None or not path.startswith("/v1.0/"):
            return 404, {
                "error": {"code": "Request_ResourceNotFound", "message": f"Resource '{path}' does not exist."}
            }
        if isinstance(found, list) and "$filter" in query:
            found = _filtered(found, query["$filter"][0])
        if isinstance(found, list) and "$select" in query:  # Graph answers only what is selected
            keep = {*query["$select"][0].split(","), "id", "@odata.type"}
            found = [{k: v for k, v in item.items() if k in keep} for item in found]
        if isinstance(found, dict):
            return 200, {"@odata.context": f"{self.graph_url}/v1.0/$metadata#{path}", **found}
        top = int((query.get("$top") or [str(self.graph_page_size)])[0])
        top = min(top, self.graph_page_size)
        start = int((query.get("$skiptoken") or ["0"])[0])
        body: dict[str, Any] = {
            "@odata.context": f"{self.graph_url}/v1.0/$metadata#{path}",
            "value": found[start : start + top],
        }
        if start + top < len(found):
            flat = {k: v[0] for k, v in query.items() if k != "$skiptoken"}
            body["@odata.nextLink"] = (
                f"{self.graph_url}{path}?{urlencode({**flat, '$skiptoken': start + top})}"
            )
        return 200, body


# What Graph answers a tenant without the licence a feature needs. Shapes from the Graph
# v1.0 reference and answers reported by its users (microsoftgraph/microsoft-graph-docs
# issues 12772 and 14120, MicrosoftDocs/azure-docs PR 77948: signInActivity and the
# authentication methods reports need Entra ID P1 or P2 and answer 403
# Authentication_RequestFromNonPremiumTenantOrB2CTenant; maester365/maester issue 1421:
# PIM's eligibility schedules need P2 and answer 400 AadPremiumLicenseRequired).
_NON_PREMIUM = (
    403,
    {
        "error": {
            "code": "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "message": "Neither tenant is B2C or tenant doesn't have premium license",
        }
    },
)
_NEEDS_P2 = (
    400,
    {
        "error": {
            "code": "AadPremiumLicenseRequired",
            "message": (
                "The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license."
            ),
        }
    },
)
# A tenant without Intune: Graph answers every /deviceManagement request 400 BadRequest
# "Request not applicable to target tenant." (microsoftgraph/msgraph-beta-sdk-go issue 198
# and the Microsoft Q&A answer it links: an active Intune licence is required).
_NO_INTUNE = (400, {"error": {"code": "BadRequest", "message": "Request not applicable to target tenant."}})
_REGISTRATION = "/reports/authenticationMethods/userRegistrationDetails"


def _licence_refusal(licence: str, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
    if path == _REGISTRATION and "$top" in query:
        # The report supports $filter, $orderby and $select, not $top (Graph v1.0
        # reference, "List userRegistrationDetails"); OData's validator refuses it.
        message = (
            "Query option 'Top' is not allowed. To allow it, set the 'AllowedQueryOptions' property "
            "on EnableQueryAttribute or QueryValidationSettings."
        )
        return 400, {"error": {"code": "BadRequest", "message": message}}
    if licence == "free":
        selected = (query.get("$select") or [""])[0].split(",")
        if path == _REGISTRATION or (path == "/users" and "signInActivity" in selected):
            return _NON_PREMIUM
    if licence != "P2" and path.startswith("/roleManagement/directory/roleEligibilitySchedule"):
        return _NEEDS_P2
    return None


def _filtered(items: list[Any], expression: str) -> list[Any]:
    """The one `$filter` form the collector sends: `<property> eq true|false|'text'`."""
    match = re.fullmatch(r"(\w+) eq (true|false|'[^']*')", expression.strip())
    if match is None:
        return items
    name, literal = match[1], match[2]
    wanted: Any = {"true": True, "false": False}.get(literal, literal.strip("'"))
    return [item for item in items if item.get(name) == wanted]


def _is_collection(path: str) -> bool:
    """A path ending on a resource type (`.../providers/NS/type[/name/type]`), not a name."""
    _, found, rest = path.rpartition("/providers/")
    return bool(found) and len(rest.split("/")) % 2 == 0


def _index(tenant: AzureTenant) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    objects: dict[str, Any] = {}
    collections: dict[str, list[Any]] = {"/subscriptions": []}
    for subscription in tenant.subscriptions:
        objects[subscription["id"].lower()] = subscription
        collections["/subscriptions"].append(subscription)
    for resource in tenant.resources:
        resource_id = resource["id"].lower()
        objects[resource_id] = resource
        collections.setdefault(resource_id.rsplit("/", 1)[0], []).append(resource)
        top = _TOP_LEVEL.match(resource_id)
        if top:
            collections.setdefault(f"{top[1]}/providers/{top[2]}/{top[3]}", []).append(resource)
        defender = _DEFENDER.match(resource_id)
        if defender:
            listing = "subassessments" if defender[2] else "assessments"
            key = f"{defender[1]}/providers/microsoft.security/{listing}"
            collections.setdefault(key, []).append(resource)
    return objects, collections


def _handler(fake: FakeAzure, role: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            fake.record(role, "POST", parts.path, "")  # the form holds the secret: not recorded
            match = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", parts.path)
            if role != "login" or match is None:
                self._json(405, _arm_error("MethodNotAllowed", "evidra's fake only reads"))
                return
            status, answer = fake.issue_token(match[1], parse_qs(body))
            self._json(status, answer)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path, query = parts.path, parse_qs(parts.query)
            fake.record(role, "GET", path, parts.query)
            if role == "login":
                self._login(path)
                return
            if fake.audience(self.headers.get("Authorization", "")) != role:
                self._json(401, _arm_error("InvalidAuthenticationToken", "The access token is invalid."),
                           {"WWW-Authenticate": 'Bearer error="invalid_token"'})  # fmt: skip
                return
            fault = fake.faults.take(path)
            if fault is not None and fault.kind == "delay":
                time.sleep(fault.delay)
                fault = None
            if role == "arm":
                self._arm(path, query, fault)
            else:
                self._graph(path, query, fault)

        def _login(self, path: str) -> None:
            match = re.fullmatch(r"/([^/]+)/v2\.0/\.well-known/openid-configuration", path)
            if match is None:
                self._json(404, _aad_error("invalid_request", f"AADSTS90000: unknown path {path}"))
                return
            base = f"{fake.authority_url}/{match[1]}"
            self._json(
                200,
                {
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    "issuer": f"{base}/v2.0",
                    "jwks_uri": f"{fake.authority_url}/{match[1]}/discovery/v2.0/keys",
                    "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
                    "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                    "tenant_region_scope": "EU",
                },
            )

        def _arm(self, path: str, query: dict[str, list[str]], fault: Fault | None) -> None:
            if not query.get("api-version"):
                self._json(400, _arm_error("MissingApiVersionParameter", _NO_API_VERSION))
                return
            subscription = _SUBSCRIPTION.match(path)
            remaining, allowed = fake.spend_read(subscription[1].lower() if subscription else None)
            headers = {"x-ms-ratelimit-remaining-subscription-reads": str(remaining)}
            if (fault is not None and fault.kind == "throttle") or not allowed:
                with fake._lock:
                    fake.throttled += 1
                headers |= {"Retry-After": "1", "x-ms-ratelimit-remaining-subscription-reads": "0"}
                self._json(429, _arm_error("SubscriptionRequestsThrottled", _THROTTLED), headers)
                return
            if subscription and subscription[1].lower() in {d.lower() for d in fake.tenant.denied}:
                denied = _DENIED.format(client=fake.tenant.client_id, subscription=subscription[1])
                self._json(403, _arm_error("AuthorizationFailed", denied), headers)
                return
            refusal = fake.unregistered_answer(subscription[1] if subscription else None, path)
            if refusal is not None:
                self._json(409, refusal, headers)
                return
            if self._faulted(
                fault, headers, _arm_error("InternalServerError", "Encountered internal server error.")
            ):
                return
            status, body = fake.arm_answer(path, query)
            self._json(status, body, headers)

        def _graph(self, path: str, query: dict[str, list[str]], fault: Fault | None) -> None:
            if fault is not None and fault.kind == "throttle":
                with fake._lock:
                    fake.throttled += 1
                error = {"error": {"code": "TooManyRequests", "message": "Too many requests."}}
                self._json(429, error, {"Retry-After": "1"})
                return
            if self._faulted(
                fault, {}, {"error": {"code": "generalException", "message": "General exception."}}
            ):
                return
            status, body = fake.graph_answer(path, query)
            self._json(status, body)

        def _faulted(self, fault: Fault | None, headers: dict[str, str], error: Any) -> bool:
            if fault is None:
                return False
            if fault.kind in ("error", "unavailable"):
                self._json(500 if fault.kind == "error" else 503, error, headers)
            elif fault.kind == "malformed":
                self._raw(200, b'{"value": [{"id": "/subscriptions/', headers)
            else:
                return False
            return True

        def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            self._raw(status, json.dumps(body).encode(), headers or {})

        def _raw(self, status: int, content: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(content)))
            self.send_header("x-ms-request-id", str(uuid.uuid4()))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(content)

    return Handler


def _arm_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _aad_error(error: str, description: str) -> dict[str, Any]:
    return {
        "error": error,
        "error_description": description,
        "error_codes": [int(description[6:].split(":")[0])] if description.startswith("AADSTS") else [],
        "trace_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
    }
