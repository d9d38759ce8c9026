"""Forged tasks (issue 15, item 3), given write access to the broker: a worker collects
only what its own configuration plans for that run (never another account, role or
provider a message names), and with `daemon.signing` a task without a valid signature
is refused before it runs. Real workers, the local Redis, moto's organisation."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from evidra.collectors.scopes import ScopeTask
from evidra.config.loader import load
from evidra.controls.catalog import select
from evidra.daemon import worker
from evidra.daemon.celery_app import TASK, make_app
from evidra.daemon.dispatch import run_on_workers
from evidra.evidence_store.store import EvidenceStore
from tests.daemon.celery_support import WorkerProcess, broker_settings, wait_until, worker_plan, write_config
from tests.fakes.aws_fault_proxy import AwsFaultProxy


@pytest.fixture
def proxy(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsFaultProxy]:
    with AwsFaultProxy(moto_endpoint) as started:
        monkeypatch.setenv("AWS_ENDPOINT_URL", started.url)
        yield started


def test_a_worker_drops_tasks_its_configuration_does_not_plan(
    organization: dict[str, str], proxy: AwsFaultProxy, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path}/evidence.db"
    config = load(write_config(tmp_path, database, {"broker": "redis://127.0.0.1:6379/0"}))
    run_id = str(uuid.uuid4())
    [real] = [t for t in worker_plan(config) if t.key == f"aws:{organization['payments']}"]
    evil = "arn:aws:iam::999999999999:role/Attacker"
    forged = [
        ScopeTask(real.key, {**real.spec, "role_arn": evil}, real.types),  # a real scope, another role
        ScopeTask("aws:999999999999", {"account": "999999999999", "role_arn": evil}, real.types),
        ScopeTask("okta", {}, real.types),  # a provider this worker does not run
    ]
    assert worker.planned(config, run_id, "aws", real)  # the worker plans the run once (AWS calls)
    calls = len(proxy.seen)
    for task in forged:
        provider = "okta" if task.key == "okta" else "aws"
        assert worker.report(config, run_id, provider, task) is False, task
    assert len(proxy.seen) == calls, "no AWS call, no role assumed, for a forged task"
    with EvidenceStore.open(database) as evidence:
        assert evidence.staged_keys(run_id) == set(), "nothing forged was staged"

    # A report staged first under another task id does not pre-empt the real task's.
    with EvidenceStore.open(database) as evidence:
        assert evidence.stage_scope(run_id, real.key, "ok", b"forged", task_id="forged-task")
    assert worker.report(config, run_id, "aws", real, task_id="real-task") is True, "collected and staged"
    with EvidenceStore.open(database) as evidence:
        assert evidence.staged_scopes(run_id, {real.key: "real-task"})[real.key].payload != b"forged"


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / f"{name}.key", folder / "certs" / f"{name}.pem"
    cert_file.parent.mkdir(exist_ok=True)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def test_with_signing_a_signed_run_goes_through_and_an_unsigned_task_is_refused(
    organization: dict[str, str],
    workers: list[WorkerProcess],
    tmp_path: Path,
) -> None:
    key_file, cert_file = _certificate(tmp_path, "evidra-node")
    signing = {"key_file": str(key_file), "certificate_file": str(cert_file), "cert_store": str(cert_file)}
    database = f"sqlite:///{tmp_path}/evidence.db"
    path = write_config(
        tmp_path, database, broker_settings("redis"), run_timeout_seconds=120, signing=signing
    )
    config = load(path)
    workers.append(WorkerProcess(tmp_path, path, "signed", concurrency=2))

    app = make_app(config.settings.daemon)
    try:
        outcome = run_on_workers(config, select(None), "aws", app, poll=0.2)
    finally:
        app.close()
    assert outcome.errors == [], "signed tasks are accepted"
    assert {o.scope.split(":")[1] for o in outcome.collection.observations} == set(organization.values())

    # A forger with the broker but not the key: a plain JSON task on the same queue.
    unsigned = load(write_config(tmp_path, database, broker_settings("redis")))
    forger = make_app(unsigned.settings.daemon.model_copy(update={"queue": config.settings.daemon.queue}))
    forger.conf.broker_url = config.settings.daemon.broker
    [task] = [t for t in worker_plan(config) if t.key == f"aws:{organization['analytics']}"]
    run_id = str(uuid.uuid4())
    try:
        forger.send_task(
            TASK,
            kwargs={
                "run_id": run_id,
                "provider": "aws",
                "key": task.key,
                "spec": task.spec,
                "types": list(task.types),
            },
            queue=config.settings.daemon.queue,
            serializer="json",
        )
    finally:
        forger.close()
    wait_until(lambda: "ContentDisallowed" in workers[0].log() or "Refusing" in workers[0].log(), timeout=60)
    with EvidenceStore.open(database) as evidence:
        assert evidence.staged_keys(run_id) == set(), "the unsigned task did not run"
