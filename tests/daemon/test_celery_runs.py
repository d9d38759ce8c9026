"""Scale-out on Celery: a run of a moto organisation of three accounts, one task per
account, collected by real `evidra worker` processes through the local Redis and
RabbitMQ, sealed by the daemon as one run. Its evidence is the evidence a local run
of the same estate records, hash for hash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidra.config.loader import LoadedConfig, load
from evidra.controls.catalog import select
from evidra.daemon.celery_app import make_app
from evidra.daemon.dispatch import run_on_workers
from evidra.evidence_store.store import EvidenceStore
from evidra.runner import RunOutcome, run, store
from tests.daemon.celery_support import (
    RABBITMQ_PASSWORD,
    RABBITMQ_PASSWORD_ENV,
    WorkerProcess,
    broker_settings,
    database_url,
    write_config,
)
from tests.daemon.daemon_support import DaemonProcess


def dispatch(config: LoadedConfig) -> RunOutcome:
    app = make_app(config.settings.daemon)
    try:
        return run_on_workers(config, select(None), "aws", app, poll=0.2)
    finally:
        app.close()


# Evidence goes to PostgreSQL too; the database path does not depend on the broker.
@pytest.mark.parametrize(
    ("broker", "engine"), [("redis", "sqlite"), ("rabbitmq", "sqlite"), ("redis", "postgresql")]
)
def test_a_run_through_workers_is_the_run_a_local_collection_makes(
    broker: str,
    engine: str,
    organization: dict[str, str],
    workers: list[WorkerProcess],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with database_url(engine, tmp_path) as database:
        check_run_through_workers(broker, database, organization, workers, tmp_path, monkeypatch)


def check_run_through_workers(
    broker: str,
    database: str,
    organization: dict[str, str],
    workers: list[WorkerProcess],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(RABBITMQ_PASSWORD_ENV, RABBITMQ_PASSWORD)
    config = load(write_config(tmp_path, database, broker_settings(broker), run_timeout_seconds=300))
    workers.append(WorkerProcess(tmp_path, tmp_path / "evidra.yaml", "worker", concurrency=2))

    outcome = dispatch(config)
    store(outcome, database)

    assert outcome.errors == []
    accounts = {o.scope.split(":")[1] for o in outcome.collection.observations}
    assert accounts == set(organization.values())
    users = {o.name for o in outcome.collection.observations if o.type == "identity.user"}
    assert users == {f"{name}-user" for name in organization}
    with EvidenceStore.open(database) as evidence:
        assert evidence.verify().ok
        [stored] = evidence.runs()
        assert stored.id == outcome.id
        assert stored.observation_count == len(outcome.collection.observations)
        assert stored.error_count == 0
        observed = evidence.observations(stored.id)
        assert len({(o["scope"], o["type"], o["id"]) for o in observed}) == len(observed), "no duplicate"
        assert evidence.staged_keys(outcome.id) == set(), "the workers' reports are gone once read"

    # A local run of the same estate sees the same resources, with the same evidence.
    local = run(config, select(None), ["aws"])
    assert sorted(o.evidence_hash for o in outcome.collection.observations) == sorted(
        o.evidence_hash for o in local.collection.observations
    )
    assert sorted(r.to_dict()["reason"] + r.resource.id for r in outcome.results) == sorted(
        r.to_dict()["reason"] + r.resource.id for r in local.results
    )
    # The broker's password is in the environment only: not in the file, not in the log.
    assert ":guest@" not in (tmp_path / "evidra.yaml").read_text()
    assert ":guest@" not in workers[0].log()


def test_the_daemon_hands_its_scheduled_run_to_workers(
    organization: dict[str, str], workers: list[WorkerProcess], moto_endpoint: str, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path}/evidence.db"
    # Daily at 03:00 with two days' grace: today's run is due at start, and caught up.
    write_config(
        tmp_path,
        database,
        broker_settings("redis"),
        schedules={"aws": "0 3 * * *"},
        misfire_grace_seconds=2 * 86400,
        run_timeout_seconds=120,
    )
    workers.append(WorkerProcess(tmp_path, tmp_path / "evidra.yaml", "worker", concurrency=3))
    daemon = DaemonProcess(tmp_path, moto_endpoint)
    try:
        daemon.wait_for(lambda: daemon.health()[1]["providers"]["aws"]["last_success"] is not None)
    finally:
        assert daemon.stop() == 0
    with EvidenceStore.open(database) as evidence:
        assert evidence.verify().ok
        [sealed] = evidence.runs()
        accounts = {o["scope"].split(":")[1] for o in evidence.observations(sealed.id)}
    assert accounts == set(organization.values())
    tasks_sent = [
        json.loads(line)
        for line in (tmp_path / "daemon.log").read_text().splitlines()
        if '"scope tasks sent"' in line
    ]
    assert [(line["run_id"], line["tasks"]) for line in tasks_sent] == [(sealed.id, 3)]
    assert workers[0].log().count('"scope reported"') == 3
