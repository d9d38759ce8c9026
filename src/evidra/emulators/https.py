"""What every HTTPS fake shares: a loopback TLS server with its own certificate, and
faults injected per request path.

A fake owns a `LoopbackHttps` (start/stop, `url`, `cert_file` for SSL_CERT_FILE or
REQUESTS_CA_BUNDLE) and a `Faults` list its handler consults before answering.
"""

from __future__ import annotations

import re
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

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

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


def send(
    handler: BaseHTTPRequestHandler,
    code: int,
    body: bytes,
    kind: str = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    """One complete HTTP/1.1 answer with its length (keep-alive clients need it)."""
    handler.send_response(code)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
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
