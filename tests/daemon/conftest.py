"""Fixtures the scale-out tests share: a moto organisation of three accounts (seeded
once per module) and the worker processes a test starts, stopped afterwards with
their queues deleted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.daemon.celery_support import WorkerProcess, drop_queues, seed_organization
from tests.daemon.daemon_support import kill_leftovers


@pytest.fixture(scope="module")
def organization(emulator: Any) -> Iterator[dict[str, str]]:
    emulator.reset()
    yield seed_organization()
    emulator.touched()


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()
    drop_queues()


@pytest.fixture(autouse=True)
def _no_daemon_outlives_its_test() -> Iterator[None]:
    yield
    kill_leftovers()
