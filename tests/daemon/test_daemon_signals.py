"""SIGHUP (a closed terminal, a supervisor's reload) used to end the daemon without a
log line (issue 15, item 7): it is logged and the daemon keeps running its schedules."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

from tests.daemon.daemon_support import DaemonProcess, write_config


def test_sighup_is_logged_and_the_daemon_keeps_running(
    shared_estate: Any, moto_endpoint: str, tmp_path: Path
) -> None:
    write_config(tmp_path, "0 3 * * *")
    daemon = DaemonProcess(tmp_path, moto_endpoint)
    daemon.process.send_signal(signal.SIGHUP)
    daemon.wait_for(lambda: "SIGHUP received" in (tmp_path / "daemon.log").read_text())
    time.sleep(0.5)
    assert daemon.process.poll() is None, "still running"
    status, document = daemon.health()
    assert status == 200 and document["providers"]["aws"]["healthy"]
    assert daemon.stop(signal.SIGTERM) == 0
