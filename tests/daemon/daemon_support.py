"""A real `evidra daemon` process for the daemon and scale-out tests: started with a
config folder, ready when it writes its address, queried over HTTP, stopped by signal.
Every process started is killed at the end of its test (tests/daemon/conftest.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

STARTED: list[subprocess.Popen] = []


def write_config(folder: Path, schedule: str, **daemon: object) -> Path:
    extra = "".join(f"  {key}: {value}\n" for key, value in daemon.items())
    config = folder / "evidra.yaml"
    config.write_text(
        f"database: sqlite:///{folder}/evidence.db\n"
        "providers:\n  aws:\n    regions: [us-east-1]\n    max_attempts: 2\n"
        f"daemon:\n  listen: 127.0.0.1:0\n  schedules: {{aws: '{schedule}'}}\n{extra}"
    )
    return config


class DaemonProcess:
    def __init__(self, folder: Path, endpoint: str) -> None:
        self.folder = folder
        self.ready = folder / "ready"
        self.ready.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDRA_")}
        env["AWS_ENDPOINT_URL"] = endpoint
        self.log = open(folder / "daemon.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "evidra",
                "daemon",
                "--config",
                str(folder / "evidra.yaml"),
                "--ready-file",
                str(self.ready),
            ],
            cwd=folder,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        STARTED.append(self.process)
        self.address = self._wait_ready()

    def _wait_ready(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.ready.exists() and self.ready.read_text().strip():
                return self.ready.read_text().strip()
            assert self.process.poll() is None, (self.folder / "daemon.log").read_text()
            time.sleep(0.1)
        raise AssertionError("daemon did not start")

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://{self.address}{path}", timeout=10) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def health(self) -> tuple[int, dict]:
        status, body = self.get("/healthz")
        return status, json.loads(body)

    def wait_for(self, predicate, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out; log:\n{(self.folder / 'daemon.log').read_text()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=60)
        self.log.close()
        return code


def kill_leftovers() -> None:
    """Kill every daemon a test started and did not stop."""
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
