"""What the Celery tests share: the brokers (the local Redis and RabbitMQ), an evidence
database per test (SQLite, and PostgreSQL when EVIDRA_TEST_POSTGRES is set), a moto
organisation of three accounts, and real `evidra worker` processes.

Each test gets its own queue (and Redis database number), so tests never take each
other's tasks. Workers run in their own process group: a test kills a worker the way
a machine dies (SIGKILL to the main process and its pool processes at once)."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import boto3
import pytest

from evidra.collectors.scopes import ScopeTask
from evidra.config.loader import LoadedConfig
from evidra.controls.catalog import select
from evidra.daemon.celery_app import make_app
from evidra.daemon.dispatch import run_on_workers
from evidra.runner import RunOutcome
from tests.fakes.postgres import POSTGRES_ENV, postgres_schema

ROLE = "EvidraAudit"
RABBITMQ_PASSWORD = "guest"  # RabbitMQ's default user; given to evidra through the environment
RABBITMQ_PASSWORD_ENV = "EVIDRA_TEST_BROKER_PASSWORD"
BROKERS = {
    "redis": ("127.0.0.1", 6379),
    "rabbitmq": ("127.0.0.1", 5672),
}


def broker_settings(kind: str) -> dict[str, str]:
    """`daemon.broker` (and its password variable) for a fresh corner of a broker."""
    host, port = BROKERS[kind]
    with socket.socket() as probe:
        probe.settimeout(2)
        if probe.connect_ex((host, port)) != 0:
            message = f"{kind} is not running on {host}:{port} (.ci/run starts it)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    if kind == "redis":
        return {"broker": f"redis://{host}:{port}/{random.randint(1, 15)}"}
    return {"broker": f"amqp://guest@{host}:{port}//", "broker_password_env": RABBITMQ_PASSWORD_ENV}


@contextmanager
def database_url(kind: str, folder: Path) -> Iterator[str]:
    """A fresh evidence database: a SQLite file, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        yield f"sqlite:///{folder}/evidence.db"
        return
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"{POSTGRES_ENV} is not set")
    with postgres_schema() as url:
        yield url


# (broker URL with its password, queue) of every test queue, deleted by `drop_queues`.
_queues: list[tuple[str, str]] = []


def write_config(folder: Path, database: str, broker: dict[str, str], **daemon: object) -> Path:
    settings = {"executor": "celery", "queue": f"evidra-test-{uuid.uuid4().hex[:12]}", **broker, **daemon}
    url = broker["broker"].replace("amqp://guest@", f"amqp://guest:{RABBITMQ_PASSWORD}@")
    _queues.append((url, str(settings["queue"])))
    lines = "".join(f"  {key}: {json.dumps(value)}\n" for key, value in settings.items())
    config = folder / "evidra.yaml"
    config.write_text(
        f"database: {json.dumps(database)}\n"
        "providers:\n"
        "  aws:\n"
        "    regions: [us-east-1]\n"
        "    accounts: organization\n"
        f"    role_name: {ROLE}\n"
        "    max_attempts: 2\n"
        "daemon:\n"
        "  listen: 127.0.0.1:0\n" + lines
    )
    return config


def drop_queues() -> None:
    """Delete the test queues (RabbitMQ keeps durable queues, Redis their bindings)."""
    from kombu import Connection

    while _queues:
        url, queue = _queues.pop()
        with suppress(Exception), Connection(url, connect_timeout=5) as connection:
            connection.default_channel.queue_delete(queue)


def member_client(account: str, service: str) -> Any:
    answer = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed"
    )
    credentials = answer["Credentials"]
    return boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def seed_organization() -> dict[str, str]:
    """The management account and two members, each with a user named after it and an
    unencrypted volume; returns {name: account id}."""
    org = boto3.client("organizations")
    org.create_organization(FeatureSet="ALL")
    accounts = {"management": boto3.client("sts").get_caller_identity()["Account"]}
    for name in ("payments", "analytics"):
        status = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        accounts[name] = status["AccountId"]
    for name, account in accounts.items():
        iam = boto3.client("iam") if name == "management" else member_client(account, "iam")
        iam.create_user(UserName=f"{name}-user")
        ec2 = boto3.client("ec2") if name == "management" else member_client(account, "ec2")
        ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)
    return accounts


class WorkerProcess:
    """`evidra worker` as a real process; its log (JSON lines) in the test's folder."""

    def __init__(self, folder: Path, config: Path, name: str, concurrency: int = 1, **env: str) -> None:
        self.log_path = folder / f"{name}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "evidra",
                "worker",
                "--config",
                str(config),
                "--concurrency",
                str(concurrency),
            ],
            cwd=folder,
            env={**os.environ, RABBITMQ_PASSWORD_ENV: RABBITMQ_PASSWORD, **env},
            stdout=self._log,
            stderr=self._log,
            start_new_session=True,  # its own process group, pool processes included
        )
        self._wait_ready()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return
            assert self.process.poll() is None, self.log()
            time.sleep(0.1)
        raise AssertionError(f"the worker did not start:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """As a machine dies: the main process and its pool, at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        # Pool processes that outlived their main process.
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()


class RunInBackground:
    """The daemon's side of a run, in a thread, so the test can act meanwhile."""

    def __init__(self, config: LoadedConfig) -> None:
        self.outcome: RunOutcome | None = None
        self._app = make_app(config.settings.daemon)
        self._thread = threading.Thread(target=self._run, args=(config,), daemon=True)
        self._thread.start()

    def _run(self, config: LoadedConfig) -> None:
        self.outcome = run_on_workers(config, select(None), "aws", self._app, poll=0.2)

    def result(self, timeout: float) -> RunOutcome:
        self._thread.join(timeout)
        self._app.close()
        assert self.outcome is not None, "the run did not finish"
        return self.outcome


def wait_until(predicate: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def worker_plan(config: LoadedConfig) -> list[ScopeTask]:
    from evidra.collectors import base, scopes
    from evidra.runner import settings_for

    return scopes.plan(base.load("aws")(settings_for(config, "aws"))).tasks
