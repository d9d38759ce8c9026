"""`evidra daemon` as a real process: scheduled runs against moto, health and metrics
over HTTP, a clean stop on SIGTERM, SIGKILL mid-run, and catch-up after downtime."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from evidra.daemon.health import Health, ProviderHealth
from evidra.evidence_store.store import EvidenceStore
from tests.daemon.daemon_support import DaemonProcess, write_config
from tests.fakes.aws_fault_proxy import AwsFaultProxy


def healthcheck(port: str) -> subprocess.CompletedProcess:
    dockerfile = (Path(__file__).parents[2] / "Dockerfile").read_text().replace("\\\n", " ")
    [line] = [line for line in dockerfile.splitlines() if line.startswith("HEALTHCHECK")]
    command = json.loads(line[line.index("CMD") + 3 :])
    command[0] = sys.executable  # "python" in the image
    env = {**os.environ, "EVIDRA_HEALTH_PORT": port}
    return subprocess.run(command, env=env, capture_output=True, timeout=30)


def stored_runs(folder: Path) -> list:
    with EvidenceStore.open(f"sqlite:///{folder}/evidence.db") as evidence:
        assert evidence.verify().ok
        return evidence.runs()


def test_scheduled_runs_health_metrics_and_clean_stop(shared_estate, moto_endpoint, tmp_path):
    write_config(tmp_path, "*/2 * * * * *")
    daemon = DaemonProcess(tmp_path, moto_endpoint)
    daemon.wait_for(lambda: daemon.health()[1]["providers"]["aws"]["last_success"] is not None)
    status, document = daemon.health()
    assert status == 200 and document["status"] == "ok"
    assert document["providers"]["aws"]["interval_seconds"] == 2
    status, metrics = daemon.get("/metrics")
    assert status == 200
    assert b'evidra_runs_total{outcome="ok",provider="aws"}' in metrics
    assert b'evidra_results{provider="aws",status="fail"}' in metrics
    assert b"evidra_last_success_timestamp_seconds" in metrics
    # The image's HEALTHCHECK, run as Docker would run it, against this daemon.
    assert healthcheck(daemon.address.rpartition(":")[2]).returncode == 0
    assert daemon.stop(signal.SIGTERM) == 0
    assert healthcheck(daemon.address.rpartition(":")[2]).returncode != 0, "a stopped daemon is unhealthy"
    runs = stored_runs(tmp_path)
    assert runs, "scheduled runs were stored"
    lines = [
        json.loads(line)
        for line in (tmp_path / "daemon.log").read_text().splitlines()
        if line.startswith("{")
    ]
    finished = [line for line in lines if line["message"] == "run finished"]
    assert finished and finished[0]["provider"] == "aws" and finished[0]["outcome"] == "ok"
    assert {line["run_id"] for line in finished} >= {run.id for run in runs}
    assert any(line["message"] == "daemon stopped" for line in lines)


def test_sigkill_mid_run_leaves_nothing_partial_and_missed_run_is_caught_up(
    shared_estate, moto_endpoint, tmp_path
):
    # Daily at 03:00 with two days' grace: today's run is due and has never happened,
    # as after a downtime. The daemon catches it up at start.
    write_config(tmp_path, "0 3 * * *", misfire_grace_seconds=2 * 86400)
    with AwsFaultProxy(moto_endpoint) as proxy:
        proxy.add("kms", None, "delay", delay=1.5)  # slow enough to be killed mid-run
        daemon = DaemonProcess(tmp_path, proxy.url)
        daemon.wait_for(lambda: daemon.health()[1]["providers"]["aws"]["running"])
        assert daemon.stop(signal.SIGKILL) == -signal.SIGKILL
        assert stored_runs(tmp_path) == [], "a run killed mid-way leaves nothing"

        # Restarted: the missed run is still due, and is caught up once.
        proxy.faults.clear()
        daemon = DaemonProcess(tmp_path, proxy.url)
        daemon.wait_for(lambda: daemon.health()[1]["providers"]["aws"]["last_success"] is not None)
        assert daemon.stop() == 0
        assert len(stored_runs(tmp_path)) == 1

        # Restarted again: today's run exists, so nothing is due until tomorrow.
        daemon = DaemonProcess(tmp_path, proxy.url)
        time.sleep(3)
        assert daemon.health()[1]["providers"]["aws"]["running"] is False
        assert daemon.stop() == 0
    assert len(stored_runs(tmp_path)) == 1, "no duplicate run"
    log = (tmp_path / "daemon.log").read_text()
    assert log.count("catching up a missed run") == 2


def test_health_turns_unhealthy_when_a_provider_fails_for_days():
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    health = Health(started=now - timedelta(days=5))
    health.providers["aws"] = ProviderHealth(timedelta(days=1), last_success=now - timedelta(hours=20))
    health.providers["okta"] = ProviderHealth(
        timedelta(hours=6), last_success=now - timedelta(days=3), last_error="okta: 401 Unauthorized"
    )
    healthy, document = health.report(now)
    assert not healthy and document["status"] == "unhealthy"
    assert document["providers"]["aws"]["healthy"] is True
    assert document["providers"]["okta"] == {
        "healthy": False,
        "last_success": "2026-11-20T12:00:00Z",
        "last_attempt": None,
        "last_error": "okta: 401 Unauthorized",
        "interval_seconds": 21600,
        "running": False,
    }
    health.providers["okta"].last_success = now - timedelta(hours=11)
    assert health.report(now)[0] is True


def test_a_new_daemon_is_healthy_until_its_first_run_is_overdue():
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    health = Health(started=now - timedelta(hours=1))
    health.providers["aws"] = ProviderHealth(timedelta(days=1))
    assert health.report(now)[0] is True
    assert health.report(now + timedelta(days=3))[0] is False


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("listen", "nowhere", "is not host:port"),
        ("schedules", "{aws: 'every day'}", "is not a cron expression"),
    ],
)
def test_bad_daemon_config_is_exit_2(tmp_path, key, value, message):
    (tmp_path / "evidra.yaml").write_text(f"daemon:\n  {key}: {value}\n")
    result = subprocess.run(
        [sys.executable, "-m", "evidra", "daemon"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert f"daemon.{key}" in result.stderr and message in result.stderr


@pytest.mark.skipif(not os.environ.get("EVIDRA_TEST_POSTGRES"), reason="needs EVIDRA_TEST_POSTGRES")
def test_database_unreachable_for_a_while_loses_nothing(shared_estate, moto_endpoint, tmp_path):
    from sqlalchemy import make_url

    from tests.fakes.postgres import postgres_schema
    from tests.fakes.tcp_gate import TcpGate

    with postgres_schema() as direct:
        base = make_url(direct)
        gate = TcpGate(base.host or "127.0.0.1", base.port or 5432)
        url = base.set(host="127.0.0.1", port=gate.port)
        try:
            # A run is due at start (caught up), and slow: the database goes away under it.
            write_config(tmp_path, "0 3 * * *", misfire_grace_seconds=2 * 86400)
            config = tmp_path / "evidra.yaml"
            config.write_text(
                config.read_text().replace(
                    f"sqlite:///{tmp_path}/evidence.db", url.render_as_string(hide_password=False)
                )
            )
            proxy = AwsFaultProxy(moto_endpoint).__enter__()
            proxy.add("kms", None, "delay", delay=1.0)
            daemon = DaemonProcess(tmp_path, proxy.url)
            daemon.wait_for(lambda: daemon.health()[1]["providers"]["aws"]["running"])
            gate.close_gate()
            log = tmp_path / "daemon.log"
            daemon.wait_for(lambda: "could not store the run; retrying" in log.read_text())
            time.sleep(3)
            gate.open_gate()
            proxy.__exit__()
            waiting = [
                json.loads(line)["run_id"]
                for line in log.read_text().splitlines()
                if "could not store the run; retrying" in line
            ]

            def stored_ids() -> set[str]:
                with EvidenceStore.open(url.render_as_string(hide_password=False)) as evidence:
                    return {run.id for run in evidence.runs()}

            daemon.wait_for(lambda: set(waiting) <= stored_ids(), timeout=90)
            assert daemon.stop() == 0
            with EvidenceStore.open(url.render_as_string(hide_password=False)) as evidence:
                assert evidence.verify().ok
        finally:
            gate.stop()
