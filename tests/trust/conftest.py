"""Fixtures for trusted time and anchors: a local TSA (OpenSSL's `openssl ts` behind
HTTPS, with a CA of its own made for the session), stores on every engine, and runs
whose recorded times the test chooses (the clock a backfill forges)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from evidra.config.settings import Settings
from evidra.emulators.tsa_server import TsaServer
from evidra.evidence_store.store import EvidenceStore, RunRecord
from evidra.model import utcnow
from tests.evidence_store.conftest import build_run
from tests.fakes.postgres import ENGINES, postgres_schema


@pytest.fixture(scope="session")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TsaServer]:
    with TsaServer(tmp_path_factory.mktemp("tsa")) as server:
        yield server


@pytest.fixture(autouse=True)
def trust_tsa_tls(tsa: TsaServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The TSA's HTTPS certificate is trusted the standard way (SSL_CERT_FILE)."""
    monkeypatch.setenv("SSL_CERT_FILE", tsa.tls_cert_file)
    tsa.faults.clear()


@pytest.fixture(params=ENGINES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/evidra.db"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[EvidenceStore]:
    with EvidenceStore.open(store_url) as opened:
        yield opened


def run_finished_at(finished: datetime, day: int = 0) -> RunRecord:
    """A synthetic run (tests.evidence_store's) whose recorded finish is `finished`."""
    run = build_run(day)
    run.started_at, run.finished_at = finished - timedelta(seconds=10), finished
    return run


def run_now(day: int = 0) -> RunRecord:
    return run_finished_at(utcnow(), day)


def stamping_settings(tsa: TsaServer, *urls: str, database: str = "sqlite://", **extra: object) -> Settings:
    return Settings.model_validate(
        {
            "database": database,
            "timestamping": {"tsa_urls": list(urls or [tsa.url]), "ca_file": str(tsa.ca_file)},
            **extra,
        }
    )
