"""A local Jamf Pro server over HTTPS, for driving jamf-pro-sdk in tests and the demo.

It answers the requests the Jamf collector makes, in the shapes of Jamf Pro's API
reference (developer.jamf.com, "Jamf Pro API" and "Classic API") as jamf-pro-sdk's
models (jamf_pro_sdk.models.pro.computers, .mobile_devices) spell them:

- `POST /api/v1/oauth/token` (form: client_id, client_secret, grant_type=client_credentials)
  -> `{"access_token", "scope", "token_type": "Bearer", "expires_in"}`; a wrong client is
  401 `{"error": "invalid_client"}`.
- `GET /api/v3/computers-inventory?section=...&page=N&page-size=M&sort=id:asc` and
  `GET /api/v2/mobile-devices/detail?...` -> `{"totalCount", "results": [...]}`, zero-based
  pages, only the sections asked for (plus `id` / `mobileDeviceId`, `udid`).
- `GET /JSSResource/osxconfigurationprofiles/id/{id}` and
  `/JSSResource/mobiledeviceconfigurationprofiles/id/{id}` with `Accept: application/json`
  -> `{"os_x_configuration_profile" | "configuration_profile": {"general": {"id", "name",
  "uuid", "payloads": <plist XML>}}}`; `GET /JSSResource/mobiledeviceconfigurationprofiles`
  lists `{"configuration_profiles": [{"id", "name"}]}`.

A request without a valid bearer token is 401; an API role without the privilege for an
endpoint is 403 `{"httpStatus": 403, "errors": [{"code": "INVALID_PRIVILEGE", ...}]}`
(the Jamf Pro API's error body). Faults: `throttle` answers 429 with `Retry-After`, `error`
500, `unavailable` 503, `malformed` a cut JSON body, `delay` answers late.
"""

from __future__ import annotations

import secrets
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from evidra.emulators.https import FakeHandler, Fault, HttpsFake, answer_fault

MAX_BODY = 1 << 16

# Which privilege of a Jamf Pro API role each endpoint needs (Jamf Pro's privilege names).
PRIVILEGES = {
    "/api/v3/computers-inventory": "Read Computers",
    "/api/v2/mobile-devices/detail": "Read Mobile Devices",
    "/JSSResource/osxconfigurationprofiles": "Read macOS Configuration Profiles",
    "/JSSResource/mobiledeviceconfigurationprofiles": "Read iOS Configuration Profiles",
}


class FakeJamf(HttpsFake):
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        computers: list[dict[str, Any]] | None = None,
        mobile_devices: list[dict[str, Any]] | None = None,
        profiles: dict[str, dict[str, Any]] | None = None,
        privileges: set[str] | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.computers = computers or []
        self.mobile_devices = mobile_devices or []
        # "macos:<id>" / "ios:<id>" -> {"name", "payloads": plist XML}
        self.profiles = profiles or {}
        self.privileges = set(PRIVILEGES.values()) if privileges is None else privileges
        self.requests: list[str] = []  # "GET /api/v3/computers-inventory", in order
        self.tokens: set[str] = set()
        super().__init__(_handler_for(self))


def _sections(record: dict[str, Any], asked: list[str], key_field: str) -> dict[str, Any]:
    """A record cut to the sections asked for, as the API does (`USER_AND_LOCATION` ->
    `userAndLocation`)."""
    out = {k: record[k] for k in (key_field, "udid", "deviceType") if k in record}
    for section in asked:
        head, *rest = section.lower().split("_")
        name = head + "".join(part.title() for part in rest)
        if name in record:
            out[name] = record[name]
    return out


def _handler_for(fake: FakeJamf) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, MAX_BODY)).decode("utf-8", "replace")
            path = urlsplit(self.path).path
            with fake._lock:
                fake.requests.append(f"POST {path}")
            if path != "/api/v1/oauth/token":
                self.send_json(404, {"httpStatus": 404, "errors": []})
                return
            form = {k: v[0] for k, v in parse_qs(body).items()}
            if (
                form.get("grant_type") != "client_credentials"
                or form.get("client_id") != fake.client_id
                or not secrets.compare_digest(form.get("client_secret", ""), fake.client_secret)
            ):
                self.send_json(401, {"error": "invalid_client"})
                return
            token = secrets.token_urlsafe(24)
            with fake._lock:
                fake.tokens.add(token)
            self.send_json(
                200,
                {
                    "access_token": token,
                    "scope": "api-role:1",
                    "token_type": "Bearer",
                    "expires_in": 1199,
                },
            )

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path = parts.path
            with fake._lock:
                fake.requests.append(f"GET {path}")
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in fake.tokens:
                self.send_json(401, {"httpStatus": 401, "errors": [{"code": "INVALID_TOKEN"}]})
                return
            privilege = next((p for prefix, p in PRIVILEGES.items() if path.startswith(prefix)), None)
            if privilege is None:
                self.send_json(404, {"httpStatus": 404, "errors": []})
                return
            if privilege not in fake.privileges:
                error = {"code": "INVALID_PRIVILEGE", "description": "Forbidden", "id": "0", "field": None}
                self.send_json(403, {"httpStatus": 403, "errors": [error]})
                return
            fault = fake.faults.take(path)
            if fault is not None:
                self._fault(fault)
                return
            query = parse_qs(parts.query)
            if path == "/api/v3/computers-inventory":
                self._page(fake.computers, query, "id")
            elif path == "/api/v2/mobile-devices/detail":
                self._page(fake.mobile_devices, query, "mobileDeviceId")
            else:
                self._profile(path)

        def _page(self, records: list[dict[str, Any]], query: dict[str, list[str]], key: str) -> None:
            try:
                page = int((query.get("page") or ["0"])[0])
                size = int((query.get("page-size") or ["100"])[0])
            except ValueError:
                self.send_json(400, {"httpStatus": 400, "errors": [{"code": "INVALID_FIELD"}]})
                return
            if page < 0 or not 1 <= size <= 2000:
                self.send_json(400, {"httpStatus": 400, "errors": [{"code": "INVALID_FIELD"}]})
                return
            asked = query.get("section") or ["GENERAL"]
            ordered = sorted(records, key=lambda r: int(r[key]))
            chunk = ordered[page * size : (page + 1) * size]
            self.send_json(
                200, {"totalCount": len(records), "results": [_sections(r, asked, key) for r in chunk]}
            )

        def _profile(self, path: str) -> None:
            kind = "macos" if path.startswith("/JSSResource/osx") else "ios"
            if kind == "ios" and path.rstrip("/") == "/JSSResource/mobiledeviceconfigurationprofiles":
                listed = [
                    {"id": int(key.split(":", 1)[1]), "name": p["name"]}
                    for key, p in sorted(fake.profiles.items())
                    if key.startswith("ios:")
                ]
                self.send_json(200, {"configuration_profiles": listed})
                return
            profile_id = path.rsplit("/", 1)[-1]
            found = fake.profiles.get(f"{kind}:{profile_id}")
            if found is None or "/id/" not in path:
                self.send_json(404, {"httpStatus": 404, "errors": []})
                return
            wrapper = "os_x_configuration_profile" if kind == "macos" else "configuration_profile"
            general = {
                "id": int(profile_id),
                "name": found["name"],
                "uuid": found.get("uuid", ""),
                "payloads": found["payloads"],
            }
            self.send_json(200, {wrapper: {"general": general}})

        def _fault(self, fault: Fault) -> None:
            answer_fault(
                self, fault, throttle_status=429, malformed=b'{"totalCount": 3, "results": [{"id": "1'
            )

    return Handler
