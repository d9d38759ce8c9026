"""What every HTTPS fake shares: a loopback TLS server with its own certificate, and
faults injected per request path.

A fake is an `HttpsFake` (a context manager serving on a `LoopbackHttps`: `url`,
`cert_file` for SSL_CERT_FILE or REQUESTS_CA_BUNDLE, `faults` its handler consults
before answering); its handler is a `FakeHandler`, answering through `send`.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from evidra.emulators.tls import shared_pair

# throttle: 429 with the provider's rate-limit headers; error: 500; unavailable: 503;
# malformed: a 200 whose JSON body is cut short; delay: answer late.
FaultKind = Literal["throttle", "error", "unavailable", "malformed", "delay"]


@dataclass
class Fault:
    pattern: str  # regular expression over the request path
    kind: FaultKind
    times: int | None = None  # None: every matching request
    delay: float = 0.0
    hits: int = 0
    reset_at: float = 0.0  # for throttle: when the fake said the limit resets (epoch seconds)

    def take(self, path: str) -> bool:
        if not re.search(self.pattern, path) or (self.times is not None and self.hits >= self.times):
            return False
        self.hits += 1
        return True


class Faults:
    """Thread-safe list of injected faults; the first matching one with hits left wins."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, pattern: str, kind: FaultKind, *, times: int | None = None, delay: float = 0.0) -> Fault:
        fault = Fault(pattern, kind, times, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, path: str) -> Fault | None:
        with self._lock:
            return next((f for f in self._faults if f.take(path)), None)

    def after_delay(self, path: str) -> Fault | None:
        """The fault for this request once a `delay` fault has been served here (a late
        answer is otherwise a normal one): None then."""
        fault = self.take(path)
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.delay)
            return None
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


def send(
    handler: BaseHTTPRequestHandler,
    code: int,
    body: bytes,
    kind: str = "application/json",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
) -> None:
    """One complete HTTP/1.1 answer with its length (keep-alive clients need it) and its
    date; no Content-Type on the answers that have no body (204, 304). `headers` as
    pairs when a name repeats (one Link header per link)."""
    handler.send_response(code)
    if code not in (204, 304):
        handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Date", formatdate(usegmt=True))
    pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
    for name, value in pairs:
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def answer_fault(
    handler: BaseHTTPRequestHandler, fault: Fault, *, throttle_status: int, malformed: bytes
) -> None:
    """The plain answers of a fake with no error body of its own: throttle with
    `Retry-After` at the provider's throttling status, 500, 503, a late 503, or a 200
    whose JSON (`malformed`, the start of a real answer) is cut short."""
    if fault.kind == "throttle":
        send(handler, throttle_status, b"", "text/plain", {"Retry-After": "1"})
    elif fault.kind == "error":
        send(handler, 500, b"", "text/plain")
    elif fault.kind == "unavailable":
        send(handler, 503, b"", "text/plain")
    elif fault.kind == "delay":
        time.sleep(fault.delay)
        send(handler, 503, b"", "text/plain")
    else:
        send(handler, 200, malformed)


def conditional(
    status: int,
    content: bytes,
    headers: Mapping[str, str],
    paging: Mapping[str, str],
    *,
    etag: str,
    unchanged: bool,
    fault: Fault | None,
) -> tuple[int, bytes, dict[str, str]]:
    """A REST GET's answer as GitHub and GitLab make it: `304 Not Modified` with the ETag
    (and no paging headers) when the client's `If-None-Match` matched (`unchanged`);
    else the answer, a 200 with its ETag, its body cut short for a `malformed` fault."""
    if unchanged:
        return 304, b"", {**headers, "ETag": etag}
    if fault is not None and fault.kind == "malformed":
        content = content[: max(len(content) // 2, 1)]
    return status, content, {**headers, **({"ETag": etag} if status == 200 else {}), **paging}


def serve_forever(fake: HttpsFake, token: str) -> None:
    """Serve `fake` in a process of its own (benchmarks measure the collector, not the
    fake): print its URL, certificate file and token as one JSON line, until interrupted."""
    with fake:
        print(json.dumps({"url": fake.url, "cert_file": str(fake.cert_file), "token": token}), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


class FakeHandler(BaseHTTPRequestHandler):
    """A fake's request handler: HTTP/1.1 keep-alive, headers and body sent at once (not
    40 ms apart), nothing logged; `json_type` is the Content-Type of its JSON answers."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    json_type = "application/json"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_json(self, code: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        send(self, code, json.dumps(body).encode(), self.json_type, headers)


class HttpsFake:
    """A fake served over HTTPS on the loopback, as a context manager. A subclass sets
    its state, then calls `super().__init__(its handler class)`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.faults = Faults()
        self._lock = threading.Lock()
        self._https = LoopbackHttps(handler)
        self.cert_file = self._https.cert_file

    @property
    def url(self) -> str:
        return self._https.url

    def add_fault(
        self, pattern: str, kind: FaultKind, *, times: int | None = None, delay: float = 0.0
    ) -> Fault:
        return self.faults.add(pattern, kind, times=times, delay=delay)

    def __enter__(self) -> Self:
        self._https.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._https.stop()


class RecordingFake(HttpsFake):
    """A fake that keeps every request it answered, `(method, path, query, status)` with
    the path below `prefix` (GitHub Enterprise Server's `/api/v3`), and counts its 304s."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], prefix: str = "") -> None:
        super().__init__(handler)
        self.prefix = prefix
        self.requests: list[tuple[str, str, str, int]] = []
        self.not_modified = 0

    def record(self, method: str, target: str, status: int) -> None:
        parts = urlsplit(target)
        with self._lock:
            self.requests.append((method, parts.path.removeprefix(self.prefix), parts.query, status))
            self.not_modified += status == 304

    def count(self, pattern: str, method: str = "GET") -> int:
        return sum(1 for m, path, _, _ in self.requests if m == method and re.search(pattern, path))

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self.not_modified = 0


class LoopbackHttps:
    """A threading HTTPS server on 127.0.0.1 (a free port); `handler` is the fake's
    request handler class. Every fake in a process shares one self-signed certificate
    (`cert_file`), so one trust file covers them all."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.cert_file, key_file = shared_pair()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, key_file)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"https://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
