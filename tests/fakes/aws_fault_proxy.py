"""An HTTP proxy in front of moto that injects AWS-shaped faults for chosen service + region.

The real boto3 client talks to it through AWS_ENDPOINT_URL like any endpoint. Which
service and region a request is for comes from its SigV4 credential scope
(`Credential=AKID/20260101/eu-west-1/kms/aws4_request`), as AWS itself reads it.
Faults answer in the service's own error format (JSON, query XML, EC2 XML, S3 XML),
so botocore classifies and retries them exactly as it would AWS's.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlsplit

FaultKind = Literal["throttle", "error", "malformed", "delay", "denied"]
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade", "host"}


@dataclass
class Fault:
    service: str  # the signing name: "kms", "s3" (also S3 Control), "ec2" ...
    region: str | None  # None: every region
    kind: FaultKind
    delay: float = 0.0  # seconds, for "delay"
    # Only requests whose body holds this text (an operation, `Action=AssumeRole`,
    # or a parameter such as one role ARN); None: every request of the service.
    body_contains: str | None = None
    hits: int = 0  # requests it answered

    def matches(self, service: str, region: str, body: bytes = b"") -> bool:
        if self.body_contains is not None and self.body_contains.encode() not in body:
            return False
        return self.service == service and self.region in (None, region)


class AwsFaultProxy:
    """`with AwsFaultProxy(moto_url) as proxy: proxy.add("kms", "eu-west-1", "throttle")`."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.faults: list[Fault] = []
        self.seen: list[tuple[str, str]] = []  # (service, region) of every request
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(
        self,
        service: str,
        region: str | None,
        kind: FaultKind,
        delay: float = 0.0,
        body_contains: str | None = None,
    ) -> Fault:
        fault = Fault(service, region, kind, delay, body_contains)
        with self._lock:
            self.faults.append(fault)
        return fault

    def fault_for(self, service: str, region: str, body: bytes = b"") -> Fault | None:
        with self._lock:
            self.seen.append((service, region))
            for fault in self.faults:
                if fault.matches(service, region, body):
                    fault.hits += 1
                    return fault
        return None

    def __enter__(self) -> AwsFaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(proxy: AwsFaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as botocore expects

        def setup(self) -> None:
            super().setup()
            _no_delay(self.connection)

        def do_GET(self) -> None:
            self._handle()

        do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            scope = _SCOPE.search(self.headers.get("Authorization", ""))
            fault = proxy.fault_for(scope["service"], scope["region"], body) if scope else None
            if fault is None or fault.kind == "delay":
                if fault is not None:
                    time.sleep(fault.delay)
                self._forward(body)
                return
            style = _error_style(self.headers, scope["service"] if scope else "")
            if fault.kind == "malformed":
                content = b"{not json" if style == "json" else b"<<<this is not xml"
                self._reply(200, content, style)
            elif fault.kind == "throttle":
                self._reply(503, _error_body(style, "throttle"), style)
            elif fault.kind == "denied":
                self._reply(403, _error_body(style, "denied"), style)
            else:
                self._reply(500, _error_body(style, "error"), style)

        def _forward(self, body: bytes) -> None:
            upstream = http.client.HTTPConnection(
                proxy.upstream.hostname or "", proxy.upstream.port, timeout=60
            )
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers["Host"] = proxy.upstream.netloc
            try:
                upstream.connect()
                _no_delay(upstream.sock)
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                response = upstream.getresponse()
                content = response.read()
            finally:
                upstream.close()
            try:
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a read timeout test)

        def _reply(self, status: int, content: bytes, style: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1" if style == "json" else "text/xml")
            self.send_header("Content-Length", str(len(content)))
            self.send_header("x-amzn-RequestId", "fault-proxy")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

    return Handler


def _no_delay(sock: socket.socket) -> None:
    # Headers and body leave in separate writes; with Nagle's algorithm each
    # exchange would wait for a delayed ACK (tens of milliseconds per request).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _error_style(headers: Message, service: str) -> str:
    if headers.get("X-Amz-Target"):
        return "json"
    if service == "ec2":
        return "ec2"
    if service == "s3":
        return "s3"
    return "query"


_CODES = {
    ("json", "throttle"): "ThrottlingException",
    ("query", "throttle"): "Throttling",
    ("ec2", "throttle"): "RequestLimitExceeded",
    ("s3", "throttle"): "SlowDown",
    ("json", "error"): "InternalFailure",
    ("query", "error"): "InternalFailure",
    ("ec2", "error"): "InternalError",
    ("s3", "error"): "InternalError",
    ("json", "denied"): "AccessDeniedException",
    ("query", "denied"): "AccessDenied",
    ("ec2", "denied"): "UnauthorizedOperation",
    ("s3", "denied"): "AccessDenied",
}
_MESSAGES = {
    "throttle": "Rate exceeded",
    "error": "We encountered an internal error",
    "denied": "User is not authorized to perform this operation",
}


def _error_body(style: str, kind: str) -> bytes:
    code = _CODES[(style, kind)]
    message = _MESSAGES[kind]
    if style == "json":
        return json.dumps({"__type": code, "message": message}).encode()
    if style == "ec2":
        return (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            "<RequestID>fault-proxy</RequestID></Response>"
        ).encode()
    if style == "s3":
        return (
            f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault-proxy</RequestId></Error>"
        ).encode()
    return (
        f"<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>fault-proxy</RequestId></ErrorResponse>"
    ).encode()
