"""A local BambooHR API over HTTPS, for driving PyBambooHR in tests and the demo.

It answers the one request the roster reader makes, as BambooHR's API documentation
describes it: `POST /{company}/v1/reports/custom?format=json` with an XML report
definition (`<report><fields><field id="workEmail"/>...`), answered with
`{"title", "fields": [{"id", "type", "name"}], "employees": [{field: value}]}`, empty
dates as `0000-00-00`, for every employee (leavers included). Authentication is HTTP
basic with the API key as user name (any password), else 401; an unknown company is
404. Faults: `throttle` answers 503 with `Retry-After` (BambooHR's throttling answer),
`error` 500, `unavailable` 503 without it, `malformed` a cut JSON body.
"""

from __future__ import annotations

import base64
import json
import re
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

from evidra.emulators.https import FakeHandler, Fault, HttpsFake, answer_fault, send

_ROUTE = re.compile(r"^/(?P<company>[A-Za-z0-9-]+)/v1/reports/custom/?$")
MAX_BODY = 1 << 20


class FakeBambooHr(HttpsFake):
    def __init__(self, company: str, api_key: str, employees: list[dict[str, Any]]) -> None:
        self.company = company
        self.api_key = api_key
        self.employees = employees
        self.requests: list[list[str]] = []  # the fields each report asked for
        super().__init__(_handler_for(self))

    @property
    def url(self) -> str:
        """The gateway root, as `https://api.bamboohr.com/api/gateway.php` is BambooHR's."""
        return f"{self._https.url}/api/gateway.php"


def _handler_for(fake: FakeBambooHr) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, MAX_BODY))
            parts = urlsplit(self.path)
            path = parts.path.removeprefix("/api/gateway.php")
            match = _ROUTE.match(path)
            if match is None:
                send(self, 404, b"", "text/plain")
                return
            if not self._authorized():
                send(self, 401, b"", "text/plain")  # BambooHR answers 401 with an empty body
                return
            if match["company"] != fake.company:
                send(self, 404, b"", "text/plain")
                return
            fault = fake.faults.take(path)
            if fault is not None:
                self._fault(fault)
                return
            try:
                fields = [f.get("id", "") for f in ElementTree.fromstring(body).iter("field")]  # noqa: S314
            except ElementTree.ParseError:
                send(self, 400, b"", "text/plain")
                return
            with fake._lock:
                fake.requests.append(fields)
            if (parse_qs(parts.query).get("format") or [""])[0].lower() != "json":
                send(self, 400, b"", "text/plain")
                return
            employees = [
                {"id": str(e["id"]), **{f: e.get(f, None) for f in fields if f != "id"}}
                for e in fake.employees
            ]
            for employee in employees:
                for name, value in employee.items():
                    if value is None and name.lower().endswith("date"):
                        employee[name] = "0000-00-00"
            answer = {
                "title": "evidra roster",
                "fields": [{"id": f, "type": "text", "name": f} for f in fields],
                "employees": employees,
            }
            send(self, 200, json.dumps(answer).encode(), "application/json")

        def _authorized(self) -> bool:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return False
            try:
                user = base64.b64decode(header[6:]).decode().partition(":")[0]
            except ValueError:
                return False
            return user == fake.api_key

        def _fault(self, fault: Fault) -> None:
            answer_fault(
                self,
                fault,
                throttle_status=503,
                malformed=b'{"title": "evidra roster", "employees": [{"id": "1',
            )

    return Handler
