"""A local Cloud Asset API over HTTPS, for driving the real `google-cloud-asset` client
(REST transport) in tests, benchmarks and the demo.

It answers the three methods the collector uses, as the v1 REST API does (and OS Config's
inventories and vulnerability reports, see `gcp_osconfig.py`, and Security Command
Center's findings, see `gcp_scc.py`):

- `GET /v1/{parent}/assets` (ListAssets): `contentType` (the client sends enum numbers:
  1 RESOURCE, 2 IAM_POLICY), `assetTypes` (exact names or regular expressions),
  `pageSize` (default 100, at most 1000), `pageToken`;
- `GET /v1/{scope}:searchAllResources` and `:searchAllIamPolicies`: `assetTypes`,
  `query` (a small subset: `field:value` terms joined by AND, matched as substrings),
  `pageSize` (default 100, at most 500), `pageToken`;

paging with an opaque `nextPageToken`, a scope outside the organisation answered 403,
and Google's error JSON (`{"error": {"code", "message", "status"}}`).

Authentication as Google does it: `POST /token` takes a service account's signed JWT
assertion (OAuth 2.0 JWT bearer grant), checks its signature with the key registered
for that account, and issues an access token; the API accepts those access tokens and
self-signed JWTs of registered accounts (what the client library sends when a key
names Google's own token endpoint), and answers anything else 401.

Faults are injected per path pattern: `throttle` (429 RESOURCE_EXHAUSTED), `error`
(500), `unavailable` (503), `malformed` (a 200 whose JSON is cut short), `delay`.

    with FakeGcp(demo_org()) as fake:
        key_file = fake.write_key(tmp_path / "key.json")
        fake.add_fault(r":searchAllIamPolicies$", "unavailable", times=2)

Run as `python -m evidra.emulators.gcp_server --projects 200 --assets 20000` it serves a
synthetic organisation in its own process and prints its URL, certificate file and a
service-account key file as one JSON line.
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import re
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from evidra.emulators import gcp_osconfig, gcp_scc
from evidra.emulators.gcp_estate import SERVICE_ACCOUNT_EMAIL, GcpOrg, demo_org, synthetic_org
from evidra.emulators.https import FakeHandler, Fault, HttpsFake, send

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - an endpoint
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# ContentType in the Cloud Asset v1 API: RESOURCE 1, IAM_POLICY 2, ORG_POLICY 4.
CONTENT_TYPES = {
    "1": "RESOURCE",
    "2": "IAM_POLICY",
    "4": "ORG_POLICY",
    "RESOURCE": "RESOURCE",
    "IAM_POLICY": "IAM_POLICY",
    "ORG_POLICY": "ORG_POLICY",
}
_ROUTES = (
    ("ListAssets", re.compile(r"^/v1/(?P<scope>(?:organizations|folders|projects)/[^/:]+)/assets$")),
    (
        "SearchAllResources",
        re.compile(r"^/v1/(?P<scope>(?:organizations|folders|projects)/[^/:]+):searchAllResources$"),
    ),
    (
        "SearchAllIamPolicies",
        re.compile(r"^/v1/(?P<scope>(?:organizations|folders|projects)/[^/:]+):searchAllIamPolicies$"),
    ),
    *gcp_osconfig.ROUTES,  # OS Config's inventories and vulnerability reports (patch state)
    *gcp_scc.ROUTES,  # Security Command Center's findings
)
MAX_PAGE = {"ListAssets": 1000, "SearchAllResources": 500, "SearchAllIamPolicies": 500, **gcp_scc.MAX_PAGE}
# The IAM permission each request needs on its scope (what a custom role must grant).
PERMISSIONS = {
    ("ListAssets", "RESOURCE"): "cloudasset.assets.listResource",
    ("ListAssets", "IAM_POLICY"): "cloudasset.assets.listIamPolicy",
    ("ListAssets", "ORG_POLICY"): "cloudasset.assets.listOrgPolicy",
    ("SearchAllResources", ""): "cloudasset.assets.searchAllResources",
    ("SearchAllIamPolicies", ""): "cloudasset.assets.searchAllIamPolicies",
}


def permission(method: str, query: dict[str, list[str]]) -> str:
    if method in gcp_osconfig.PERMISSIONS:
        return gcp_osconfig.PERMISSIONS[method]
    if method in gcp_scc.PERMISSIONS:
        return gcp_scc.PERMISSIONS[method]
    content = CONTENT_TYPES.get((query.get("contentType") or [""])[0], "") if method == "ListAssets" else ""
    return PERMISSIONS.get((method, content), f"cloudasset.assets.{method} ({content or 'no content type'})")


def new_service_account_key(email: str, token_uri: str) -> tuple[dict[str, Any], bytes]:
    """A freshly generated service-account key as Google's key JSON, and its public key PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    project = email.split("@", 1)[1].split(".", 1)[0]
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": secrets.token_hex(20),
        "private_key": private_pem,
        "client_email": email,
        "client_id": str(secrets.randbelow(10**21)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "universe_domain": "googleapis.com",
    }
    return info, public_pem


class FakeGcp(HttpsFake):
    def __init__(self, org: GcpOrg) -> None:
        self.org = org
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []  # (method, path, query)
        self.grants: list[dict[str, Any]] = []  # verified JWT bearer grant claims
        self.self_signed: list[dict[str, Any]] = []  # verified self-signed JWT claims
        self.refused = 0  # requests answered 401
        # A project number whose Cloud Asset API is not enabled: set, every call is refused
        # as Google refuses a caller whose quota project has not enabled the API.
        self.api_disabled_in: str | None = None
        self.public_keys: dict[str, bytes] = {}  # service account email -> public key PEM
        self._tokens: set[str] = set()
        super().__init__(_handler_for(self))

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def register(self, email: str, public_pem: bytes) -> None:
        self.public_keys[email] = public_pem

    def write_key(
        self, path: Path, email: str = SERVICE_ACCOUNT_EMAIL, *, token_uri: str | None = None
    ) -> Path:
        """A new key for `email`, registered here, written as Google's key JSON file;
        its token_uri is this fake's unless another is given."""
        info, public_pem = new_service_account_key(email, token_uri or self.token_uri)
        self.register(email, public_pem)
        path.write_text(json.dumps(info, indent=2))
        path.chmod(0o600)
        return path

    def permissions(self) -> set[str]:
        """The IAM permissions the requests seen so far needed."""
        with self._lock:
            return {permission(method, query) for method, _, query in self.requests}

    def calls(self) -> Counter[str]:
        """API requests by method."""
        with self._lock:
            return Counter(method for method, _, _ in self.requests)

    # -- authentication (called from the handler's threads) --

    def issue_token(self, form: dict[str, list[str]]) -> dict[str, Any] | None:
        if (form.get("grant_type") or [""])[0] != JWT_BEARER:
            return None
        claims = self._verified(
            (form.get("assertion") or [""])[0], audiences=(GOOGLE_TOKEN_URI, self.token_uri)
        )
        if claims is None or CLOUD_PLATFORM not in str(claims.get("scope", "")).split():
            return None
        token = "ya29.fake-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens.add(token)
            self.grants.append(claims)
        return {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def authorized(self, header: str) -> bool:
        if not header.startswith("Bearer "):
            return False
        credential = header[7:]
        with self._lock:
            if credential in self._tokens:
                return True
        claims = self._verified(credential, audiences=None)
        if claims is None:
            return False
        # A self-signed JWT carries its scope, or names the API as its audience.
        audience = str(claims.get("aud", ""))
        if CLOUD_PLATFORM in str(claims.get("scope", "")).split() or any(
            api in audience for api in ("cloudasset", "osconfig", "securitycenter")
        ):
            with self._lock:
                self.self_signed.append(claims)
            return True
        return False

    def _verified(self, assertion: str, audiences: tuple[str, ...] | None) -> dict[str, Any] | None:
        """The claims of a JWT signed by a registered service account's key, else None."""
        from google.auth import jwt

        try:
            unverified = jwt.decode(assertion, verify=False)
            public_pem = self.public_keys[unverified["iss"]]
            claims: dict[str, Any] = jwt.decode(
                assertion, certs=public_pem.decode(), verify=True, audience=audiences
            )
        except Exception:
            return None
        return claims


def _handler_for(fake: FakeGcp) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        json_type = "application/json; charset=UTF-8"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if urlsplit(self.path).path != "/token":
                self._error(404, "NOT_FOUND", "Method not found.")
                return
            answer = fake.issue_token(parse_qs(body))
            if answer is None:
                self.send_json(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
            else:
                self.send_json(200, answer)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path, query = unquote(parts.path), parse_qs(parts.query)
            route = next(((method, m) for method, pattern in _ROUTES if (m := pattern.match(path))), None)
            if route is None:
                self._error(404, "NOT_FOUND", f"The requested URL {path} was not found on this server.")
                return
            method, match = route
            with fake._lock:
                fake.requests.append((method, path, query))
            if not fake.authorized(self.headers.get("Authorization", "")):
                with fake._lock:
                    fake.refused += 1
                self._error(
                    401,
                    "UNAUTHENTICATED",
                    "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                    "login cookie or other valid authentication credential.",
                )
                return
            fault = fake.faults.after_delay(path)
            if fault is not None:
                self._fault(fault)
                return
            if fake.api_disabled_in is not None:
                if method in gcp_scc.KEYS:
                    self._service_disabled(fake.api_disabled_in, gcp_scc.SERVICE, gcp_scc.TITLE)
                else:
                    self._service_disabled(fake.api_disabled_in)
                return
            node = fake.org.node(match["scope"])
            if node is None:
                self._error(
                    403,
                    "PERMISSION_DENIED",
                    f"The caller does not have permission ({permission(method, query)} on {match['scope']}).",
                )
                return
            try:
                answer = _answer(fake.org, method, node, query, match.groupdict().get("zone"))
            except gcp_osconfig.ServiceDisabled as disabled:
                self._service_disabled(disabled.project, gcp_osconfig.SERVICE, gcp_osconfig.TITLE)
                return
            except ValueError as exc:
                self._error(400, "INVALID_ARGUMENT", str(exc))
                return
            self.send_json(200, answer)

        def _fault(self, fault: Fault) -> None:
            if fault.kind == "throttle":
                self._error(
                    429,
                    "RESOURCE_EXHAUSTED",
                    "Quota exceeded for quota metric 'Search requests' and limit "
                    "'Search requests per minute'.",
                )
            elif fault.kind == "error":
                self._error(500, "INTERNAL", "Internal error encountered.")
            elif fault.kind == "unavailable":
                self._error(503, "UNAVAILABLE", "The service is currently unavailable.")
            else:  # malformed
                body = b'{"assets": [{"name": "//storage.googleapis.com/cut'
                send(self, 200, body, self.json_type)

        def _service_disabled(
            self, project: str, service: str = "cloudasset.googleapis.com", title: str = "Cloud Asset API"
        ) -> None:
            # Google's answer (google.rpc.ErrorInfo reason SERVICE_DISABLED), as reported
            # by Cloud Asset users: 403 PERMISSION_DENIED naming the project and the fix.
            message = (
                f"{title} has not been used in project {project} before or it is disabled. "
                "Enable it by visiting https://console.developers.google.com/apis/api/"
                f"{service}/overview?project={project} then retry."
            )
            detail = {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "SERVICE_DISABLED",
                "domain": "googleapis.com",
                "metadata": {"service": service, "consumer": f"projects/{project}"},
            }
            body = {"code": 403, "message": message, "status": "PERMISSION_DENIED", "details": [detail]}
            self.send_json(403, {"error": body})

        def _error(self, code: int, status: str, message: str) -> None:
            self.send_json(code, {"error": {"code": code, "message": message, "status": status}})

    return Handler


# -- the API's answers --


def _answer(
    org: GcpOrg, method: str, node: str, query: dict[str, list[str]], zone: str | None = None
) -> dict[str, Any]:
    default = gcp_scc.DEFAULT_PAGE if method in gcp_scc.KEYS else 100
    page_size = int((query.get("pageSize") or ["0"])[0] or 0) or default
    if page_size > MAX_PAGE.get(method, page_size):
        raise ValueError(f"page_size must be at most {MAX_PAGE[method]}, got {page_size}")
    token = (query.get("pageToken") or [""])[0]
    selection = {k: v for k, v in query.items() if k not in ("pageToken", "pageSize")}
    extra: dict[str, Any]
    if method in gcp_osconfig.KEYS:
        items = gcp_osconfig.items(org, method, node, str(zone), query)
        key, extra, node = gcp_osconfig.KEYS[method], {}, f"{node}/{zone}"
    elif method in gcp_scc.KEYS:
        items = gcp_scc.items(org, node, query)
        key, extra = gcp_scc.KEYS[method], {"readTime": _now(), "totalSize": len(items)}
    else:
        items = _matching(
            org, method, node, json.dumps(query.get("assetTypes", [])), json.dumps(selection, sort_keys=True)
        )
        key, extra = ("assets", {"readTime": _now()}) if method == "ListAssets" else ("results", {})
    start = _offset(token, method, node)
    page = items[start : start + page_size]
    answer: dict[str, Any] = {**extra, key: page}
    if start + page_size < len(items):
        answer["nextPageToken"] = _token(start + page_size, method, node)
    return answer


@functools.lru_cache(maxsize=64)
def _matching(org: GcpOrg, method: str, node: str, types_json: str, query_json: str) -> list[dict[str, Any]]:
    """Everything a request matches, across its pages (kept while the pages are fetched;
    an organisation's assets do not change while it is served)."""
    types, query = json.loads(types_json), json.loads(query_json)
    in_scope = [a for a in org.assets if node in a["ancestors"] and _type_matches(a["assetType"], types)]
    if method == "ListAssets":
        content = CONTENT_TYPES.get((query.get("contentType") or [""])[0], "")
        # IAM_POLICY and ORG_POLICY list only the assets that have one (a node with no
        # organisation policy set is left out, as Cloud Asset does).
        wanted = {"IAM_POLICY": "iamPolicy", "ORG_POLICY": "orgPolicy"}.get(content)
        return [_asset_view(a, content) for a in in_scope if wanted is None or a.get(wanted)]
    if method == "SearchAllResources":
        return [r for r in map(_resource_result, in_scope) if _query_matches(r, query)]
    return [p for p in map(_policy_result, in_scope) if p is not None and _query_matches(p, query)]


def _type_matches(asset_type: str, wanted: list[str]) -> bool:
    return not wanted or any(t == asset_type or re.fullmatch(t, asset_type) for t in wanted)


def _asset_view(asset: dict[str, Any], content: str) -> dict[str, Any]:
    view = {k: asset[k] for k in ("name", "assetType", "ancestors", "updateTime")}
    if content == "RESOURCE":
        view["resource"] = asset["resource"]
    elif content == "IAM_POLICY":
        view["iamPolicy"] = asset["iamPolicy"]
    elif content == "ORG_POLICY":
        view["orgPolicy"] = asset["orgPolicy"]
    return view


def _lineage(asset: dict[str, Any]) -> dict[str, Any]:
    ancestors = asset["ancestors"]
    found: dict[str, Any] = {}
    project = next((a for a in ancestors if a.startswith("projects/")), None)
    if project:
        found["project"] = project
    folders = [a for a in ancestors if a.startswith("folders/")]
    if folders:
        found["folders"] = folders
    found["organization"] = next(a for a in ancestors if a.startswith("organizations/"))
    return found


def _resource_result(asset: dict[str, Any]) -> dict[str, Any]:
    resource = asset["resource"]
    data = resource.get("data", {})
    result: dict[str, Any] = {
        "name": asset["name"],
        "assetType": asset["assetType"],
        **_lineage(asset),
        "displayName": str(data.get("displayName") or data.get("name") or asset["name"].rsplit("/", 1)[-1]),
        "location": resource.get("location", "global"),
        "parentFullResourceName": resource.get("parent", ""),
        "parentAssetType": "cloudresourcemanager.googleapis.com/Folder"
        if "/folders/" in resource.get("parent", "")
        else "cloudresourcemanager.googleapis.com/Organization",
        "updateTime": asset["updateTime"],
    }
    state = data.get("lifecycleState") or data.get("state") or data.get("status")
    if state:
        result["state"] = state
    if data.get("createTime"):
        result["createTime"] = data["createTime"]
    if asset["assetType"] == "cloudresourcemanager.googleapis.com/Project":
        result["additionalAttributes"] = {"projectId": data.get("projectId")}
        result["displayName"] = data.get("name", data.get("projectId"))
    return result


def _policy_result(asset: dict[str, Any]) -> dict[str, Any] | None:
    policy = asset.get("iamPolicy")
    if not policy or not policy.get("bindings"):
        return None
    return {
        "resource": asset["name"],
        "assetType": asset["assetType"],
        **_lineage(asset),
        # Search answers carry the bindings only (no etag, no audit configuration).
        "policy": {"bindings": policy["bindings"]},
    }


def _query_matches(result: dict[str, Any], query: dict[str, list[str]]) -> bool:
    text = (query.get("query") or [""])[0].strip()
    if not text:
        return True
    for term in re.split(r"\s+AND\s+", text):
        field, _, value = term.partition(":")
        actual = result.get(field.strip())
        if actual is None or value.strip().strip('"').lower() not in json.dumps(actual).lower():
            return False
    return True


def _token(offset: int, method: str, node: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([offset, method, node]).encode()).decode()


def _offset(token: str, method: str, node: str) -> int:
    if not token:
        return 0
    try:
        offset, token_method, token_node = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError:
        raise ValueError("Invalid page token.") from None
    if (token_method, token_node) != (method, node):
        raise ValueError("The page token does not belong to this request.")
    return int(offset)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a GCP organisation's Cloud Asset API locally.")
    parser.add_argument(
        "--projects", type=int, default=0, help="synthetic organisation of this many projects"
    )
    parser.add_argument("--assets", type=int, default=20_000, help="with about this many assets")
    args = parser.parse_args()
    org = synthetic_org(args.projects, args.assets) if args.projects else demo_org()
    folder = Path(tempfile.mkdtemp(prefix="evidra-fake-gcp-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so the key file is removed
    with FakeGcp(org) as fake:
        key_file = fake.write_key(folder / "key.json")
        print(
            json.dumps(
                {
                    "url": fake.url,
                    "cert_file": str(fake.cert_file),
                    "key_file": str(key_file),
                    "assets": len(org.assets),
                }
            ),
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:  # also on SIGTERM (SystemExit)
            key_file.unlink(missing_ok=True)
            folder.rmdir()


if __name__ == "__main__":
    main()
