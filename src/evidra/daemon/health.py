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


def serve(listen: str, health: Health, metrics: DaemonMetrics) -> ThreadingHTTPServer:
    """Start /healthz and /metrics on `listen` (host:port) in a daemon thread."""
    host, _, port = listen.rpartition(":")

    class Handler(BaseHTTPRequestHandler):
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

    server = ThreadingHTTPServer((host.strip("[]"), int(port)), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="evidra-health", daemon=True).start()
    return server
