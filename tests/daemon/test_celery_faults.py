"""Scale-out faults: a worker killed mid-task (its task goes to another worker, the run
is sealed once, nothing is duplicated), a scope that never reports (the run is sealed
at its timeout with an error for that scope), a task delivered twice."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from evidra.collectors.aws.registry import ORGANIZATION, READERS
from evidra.config.loader import load
from evidra.daemon import worker
from evidra.evidence_store.store import EvidenceStore
from evidra.model import Status
from evidra.runner import store
from tests.daemon.celery_support import (
    RABBITMQ_PASSWORD,
    RABBITMQ_PASSWORD_ENV,
    RunInBackground,
    WorkerProcess,
    broker_settings,
    wait_until,
    worker_plan,
    write_config,
)
from tests.fakes.aws_fault_proxy import AwsFaultProxy


@pytest.fixture
def proxy(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsFaultProxy]:
    """Every AWS call, the daemon's and the workers', through a fault-injecting proxy."""
    with AwsFaultProxy(moto_endpoint) as started:
        monkeypatch.setenv("AWS_ENDPOINT_URL", started.url)
        monkeypatch.setenv(RABBITMQ_PASSWORD_ENV, RABBITMQ_PASSWORD)
        yield started


def received(log: str) -> set[str]:
    """The ids of the tasks a worker's log says it received."""
    return {
        line.split("evidra.collect_scope[", 1)[1].split("]", 1)[0]
        for line in log.splitlines()
        if "evidra.collect_scope[" in line and "] received" in line
    }


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_a_worker_killed_mid_task_is_replaced_and_nothing_is_duplicated(
    broker: str,
    organization: dict[str, str],
    proxy: AwsFaultProxy,
    workers: list[WorkerProcess],
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path}/evidence.db"
    config = load(
        write_config(
            tmp_path, database, broker_settings(broker), run_timeout_seconds=180, redelivery_seconds=10
        )
    )
    slow = proxy.add("kms", None, "delay", delay=1.0)  # every account reads KMS: a task takes a while
    first = WorkerProcess(tmp_path, tmp_path / "evidra.yaml", "first", concurrency=1)
    workers.append(first)
    background = RunInBackground(config)

    wait_until(lambda: slow.hits >= 1)  # the first worker is inside its one task
    first.kill()
    [killed] = received(first.log())
    second = WorkerProcess(tmp_path, tmp_path / "evidra.yaml", "second", concurrency=1)
    workers.append(second)
    outcome = background.result(timeout=150)
    store(outcome, database)

    assert killed in received(second.log()), "the killed worker's task was redelivered"
    assert outcome.errors == []
    assert {o.scope.split(":")[1] for o in outcome.collection.observations} == set(organization.values())
    with EvidenceStore.open(database) as evidence:
        assert evidence.verify().ok
        [sealed] = evidence.runs()
        observed = evidence.observations(sealed.id)
        keys = [(o["scope"], o["type"], o["id"]) for o in observed]
        assert len(keys) == len(set(keys)) == sealed.observation_count, "no observation twice"
        # Each account reported once: as many scope records (one per reader) as any other,
        # and the management account one more per organisation-wide reader (Identity Center).
        per_account = Counter(r["scope"].split(":")[1] for r in evidence.scope_records(sealed.id))
        assert set(per_account) == set(organization.values())
        management = per_account.pop(organization["management"])
        assert len(set(per_account.values())) == 1
        assert management == next(iter(per_account.values())) + len(READERS.all(ORGANIZATION))


def test_a_scope_that_never_reports_is_an_error_once_the_run_times_out(
    organization: dict[str, str], proxy: AwsFaultProxy, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path}/evidence.db"
    config = load(write_config(tmp_path, database, broker_settings("redis"), run_timeout_seconds=20))
    stuck = organization["payments"]
    # Entering that account hangs far past the run's timeout.
    proxy.add("sts", None, "delay", delay=40, body_contains=stuck)
    process = WorkerProcess(tmp_path, tmp_path / "evidra.yaml", "worker", concurrency=3)
    workers.append(process)

    # Each worker process plans the run once before its first task (forged tasks are
    # dropped): the timeout leaves room for that, far below the stuck account's delay.
    outcome = RunInBackground(config).result(timeout=90)
    process.kill()
    store(outcome, database)

    assert len(outcome.errors) == 1, [e.message for e in outcome.errors]
    [error] = outcome.errors
    assert error.scope == f"aws:{stuck}" and "timed out" in error.message
    readable = {o.scope.split(":")[1] for o in outcome.collection.observations}
    assert readable == set(organization.values()) - {stuck}
    # The gap is under the controls an auditor reads, not only in the errors.
    gaps = [r for r in outcome.results if r.resource.id == f"aws:{stuck}"]
    assert gaps and {r.status for r in gaps} == {Status.ERROR}
    assert any(r.control == "identity-user-mfa" for r in gaps)
    with EvidenceStore.open(database) as evidence:
        assert evidence.verify().ok
        [sealed] = evidence.runs()
        assert sealed.error_count == 1
        assert evidence.staged_keys(outcome.id) == set()


def test_a_task_delivered_twice_collects_and_reports_once(
    organization: dict[str, str], proxy: AwsFaultProxy, tmp_path: Path
) -> None:
    """What a redelivered task does when its first delivery had reported already (the
    worker died between staging and acknowledging): nothing, not even an AWS call."""
    database = f"sqlite:///{tmp_path}/evidence.db"
    config = load(write_config(tmp_path, database, {"broker": "redis://127.0.0.1:6379/0"}))
    run_id = str(uuid.uuid4())
    account = organization["analytics"]
    [task] = [t for t in worker_plan(config) if t.key == f"aws:{account}"]  # what the daemon sends

    assert worker.report(config, run_id, "aws", task) is True
    calls = len(proxy.seen)
    assert calls > 0
    assert worker.report(config, run_id, "aws", task) is False
    assert len(proxy.seen) == calls, "a scope already reported is not collected again"
    with EvidenceStore.open(database) as evidence:
        assert set(evidence.staged_scopes(run_id)) == {task.key}
        assert evidence.runs() == [], "a staged scope is not evidence until its run is sealed"
