"""Fixtures for the evidence package's tests: a store on every engine (SQLite always,
PostgreSQL when EVIDRA_TEST_POSTGRES is set), holding a short history made by the real
engine, and a signing key.

The history, one run a day from 2026-01-01 (every control named in HISTORY_CONTROLS):

    day      acme-logs                acme-legacy                  bob (no MFA)
    0, 1     encrypted: pass          unencrypted: excepted        fail
    2        unencrypted: fail        excepted                     fail
    3        eu-west-1 S3 unreadable: error for both buckets      fail
    4, 5     encrypted: pass          excepted                     fail

so acme-logs has one exception window, failing from day 2 and remediated on day 4
across the gap of day 3; acme-legacy is excepted throughout; bob's window is open.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from evidra.config.settings import ExceptionRule
from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.evidence_store.store import EvidenceStore, RunRecord
from evidra.model import ApiCall, Collection, Observation, ScopeError, ScopeRecord
from tests.fakes.postgres import ENGINES, postgres_schema

ACCOUNT = "123456789012"
REGION_SCOPE = f"aws:{ACCOUNT}:eu-west-1"
GLOBAL_SCOPE = f"aws:{ACCOUNT}:global"
LOGS = "arn:aws:s3:::acme-logs"
LEGACY = "arn:aws:s3:::acme-legacy"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
DAY0 = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
HISTORY_CONTROLS = ["bucket-encryption", "identity-user-mfa"]
EXCEPTION = ExceptionRule(
    control="bucket-encryption",
    resource="arn:aws:s3:::acme-legacy",
    reason="legacy archive, migration planned",
    approved_by="CISO",
    expires=date(2026, 12, 31),
)
DAYS = 6


@pytest.fixture(params=ENGINES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/evidra.db"
        return
    with postgres_schema() as url:
        yield url


def _observation(
    type_: str, id_: str, scope: str, attributes: dict[str, object], at: datetime
) -> Observation:
    return Observation(
        provider="aws",
        scope=scope,
        type=type_,
        id=id_,
        attributes=attributes,
        raw={"Answer": {"Id": id_, **attributes}},
        calls=[ApiCall("s3" if type_ == "storage.bucket" else "iam", "Read", {"Id": id_})],
        principal=f"arn:aws:iam::{ACCOUNT}:role/EvidraAudit",
        observed_at=at,
        name=id_.rsplit(":", 1)[-1],
    )


def _bucket(id_: str, encrypted: bool, at: datetime) -> Observation:
    attributes = {"encrypted": encrypted, "encryption_algorithm": "AES256" if encrypted else None}
    return _observation("storage.bucket", id_, REGION_SCOPE, attributes, at)


def history_run(day: int) -> RunRecord:
    """Day `day` of the history above, evaluated by the real engine."""
    start = DAY0 + timedelta(days=day)
    finished = start + timedelta(minutes=5)
    bob = {
        "kind": "human",
        "console_access": True,
        "disabled": False,
        "mfa_enabled": False,
        "mfa_methods": [],
    }
    observations = [_observation("identity.user", BOB, GLOBAL_SCOPE, bob, start)]
    errors: list[ScopeError] = []
    scopes = [ScopeRecord("aws", GLOBAL_SCOPE, start, start + timedelta(minutes=1))]
    if day == 3:
        errors.append(ScopeError("aws", REGION_SCOPE, "Throttling: Rate exceeded", "s3", ("storage.bucket",)))
        scopes.append(
            ScopeRecord("aws", REGION_SCOPE, start, start + timedelta(minutes=2), error="Throttling")
        )
    else:
        observations += [_bucket(LOGS, day != 2, start), _bucket(LEGACY, False, start)]
        scopes.append(ScopeRecord("aws", REGION_SCOPE, start, start + timedelta(minutes=2)))
    collection = Collection(observations=observations, errors=errors, scopes=scopes)
    controls = select(HISTORY_CONTROLS)
    parameters = default_parameters()
    results = evaluate(controls, collection, parameters, finished, [EXCEPTION])
    return RunRecord(
        id=str(uuid.uuid4()),
        started_at=start,
        finished_at=finished,
        tool_version="test",
        parameters={"parameters": parameters, "controls": HISTORY_CONTROLS, "providers": ["aws"]},
        collection=collection,
        results=results,
    )


@pytest.fixture
def history(store_url: str) -> Iterator[EvidenceStore]:
    with EvidenceStore.open(store_url) as store:
        for day in range(DAYS):
            store.record_run(history_run(day))
        yield store


@pytest.fixture
def signing_key(tmp_path: Path) -> Path:
    from evidra.reports.signing import init_key

    path = tmp_path / "keys" / "evidra-signing-key.pem"
    init_key(path)
    return path
