"""The database unreachable from a worker for a while: the scope's report is retried
with backoff (Celery's autoretry on StoreError) and lands once the database is back;
the run is sealed whole, nothing lost, nothing twice."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from evidra.config.loader import LoadedConfig, load
from evidra.evidence_store.store import EvidenceStore
from evidra.runner import store
from tests.daemon.celery_support import (
    RunInBackground,
    WorkerProcess,
    broker_settings,
    drop_queues,
    wait_until,
    write_config,
)
from tests.fakes.postgres import POSTGRES_ENV, postgres_schema
from tests.fakes.tcp_gate import TcpGate

pytestmark = pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"needs {POSTGRES_ENV}")


@pytest.fixture
def gated_database() -> Iterator[tuple[str, str, TcpGate]]:
    """(direct URL, URL through a gate, the gate) of a fresh PostgreSQL schema."""
    with postgres_schema() as direct:
        url = make_url(direct)
        gate = TcpGate(url.host or "127.0.0.1", url.port or 5432)
        try:
            yield (
                direct,
                url.set(host="127.0.0.1", port=gate.port).render_as_string(hide_password=False),
                gate,
            )
        finally:
            gate.stop()


def test_a_worker_that_cannot_reach_the_database_retries_until_it_can(
    organization: dict[str, str],
    gated_database: tuple[str, str, TcpGate],
    tmp_path: Path,
) -> None:
    direct, gated, gate = gated_database
    with EvidenceStore.open(direct):
        pass  # migrated before the worker first connects
    # The worker reaches the database through the gate; the daemon directly.
    config_file = write_config(tmp_path, gated, broker_settings("redis"), run_timeout_seconds=180)
    through_gate = load(config_file)
    config = LoadedConfig(
        through_gate.settings.model_copy(update={"database": direct}), config_file, through_gate.parameters
    )
    worker = WorkerProcess(tmp_path, config_file, "worker", concurrency=1)
    try:
        gate.close_gate()
        background = RunInBackground(config)
        # Reports refused, and retried with backoff, more than once while the gate is shut.
        wait_until(lambda: worker.log().count("Retry in") >= 3, timeout=120)
        assert "StoreError('cannot open the evidence store" in worker.log()
        gate.open_gate()
        outcome = background.result(timeout=170)
    finally:
        worker.stop()
        drop_queues()
    store(outcome, direct)

    assert outcome.errors == []
    assert {o.scope.split(":")[1] for o in outcome.collection.observations} == set(organization.values())
    with EvidenceStore.open(direct) as evidence:
        assert evidence.verify().ok
        [sealed] = evidence.runs()
        keys = [(o["scope"], o["type"], o["id"]) for o in evidence.observations(sealed.id)]
        assert len(keys) == len(set(keys)) == sealed.observation_count
