"""Health of each schedule, and the loopback HTTP endpoint serving it and the metrics.

A provider is healthy while its latest complete run is younger than twice its
schedule's interval: one late or failed run is tolerated, a provider failing for days
is not.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from evidra.daemon.metrics import DaemonMetrics
from evidra.model import iso, utcnow


@dataclass
class ProviderHealth:
    interval: timedelta
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    last_error: str | None = None
    running: bool = False

    def healthy(self, now: datetime, started: datetime) -> bool:
        """Its last complete run is recent enough; before the first one, the daemon's
        start counts instead, so a new daemon is healthy until its first run is overdue."""
        since = self.last_success or started
        return now - since <= 2 * self.interval

    def to_dict(self, now: datetime, started: datetime) -> dict[str, Any]:
        return {
            "healthy": self.healthy(now, started),
            "last_success": iso(self.last_success),
            "last_attempt": iso(self.last_attempt),
            "last_error": self.last_error,
            "interval_seconds": int(self.interval.total_seconds()),
            "running": self.running,
        }


class Health:
    def __init__(self, started: datetime) -> None:
        self.started = started
        self.providers: dict[str, ProviderHealth] = {}
        self._lock = threading.Lock()

    def report(self, now: datetime | None = None) -> tuple[bool, dict[str, Any]]:
        now = now or utcnow()
        with self._lock:
            providers = {name: state.to_dict(now, self.started) for name, state in self.providers.items()}
        healthy = bool(providers) and all(p["healthy"] for p in providers.values())
        return healthy, {"status": "ok" if healthy else "unhealthy", "providers": providers}

    def update(self, provider: str, **changes: Any) -> None:
        with self._lock:
            state = self.providers[provider]
            for key, value in changes.items():
                setattr(state, key, value)


# An idle or slow client (one that connects and sends nothing, or a byte a minute) is
# dropped after this long; at most this many are served at once, the rest closed at
# once: a scraper on a loopback port needs neither more time nor more company.
CLIENT_TIMEOUT_SECONDS = 10.0
MAX_CLIENTS = 8


class _BoundedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], clients: int) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(clients)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # full: no thread for this one
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def serve(
    listen: str,
    health: Health,
    metrics: DaemonMetrics,
    timeout: float = CLIENT_TIMEOUT_SECONDS,
    clients: int = MAX_CLIENTS,
) -> ThreadingHTTPServer:
    """Start /healthz and /metrics on `listen` (host:port) in a daemon thread; each
    client has `timeout` seconds per read, and `clients` are served at once at most."""
    host, _, port = listen.rpartition(":")
    client_timeout = timeout

    class Handler(BaseHTTPRequestHandler):
        timeout = client_timeout  # the socket's timeout, for every read and write

        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/healthz":
                healthy, document = health.report()
                self._send(200 if healthy else 503, "application/json", json.dumps(document).encode())
            elif self.path.split("?")[0] == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, generate_latest(metrics.registry))
            else:
                self._send(404, "text/plain", b"not found\n")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # scrapes every few seconds would drown the run logs

    server = _BoundedServer((host.strip("[]"), int(port)), Handler, clients)
    threading.Thread(target=server.serve_forever, name="evidra-health", daemon=True).start()
    return server
