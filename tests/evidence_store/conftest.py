"""Fixtures for the evidence store's tests: a store on every engine, and synthetic runs.

`store_url` is parametrised over SQLite (a fresh file per test, always) and
PostgreSQL (when EVIDRA_TEST_POSTGRES holds a URL): each PostgreSQL test gets a schema
of its own, selected through the connection's search_path and dropped afterwards, so
tests never see each other's tables, even when run concurrently.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from evidra.evidence_store.database import parse_url
from evidra.evidence_store.store import EvidenceStore, RunRecord
from evidra.model import (
    ApiCall,
    Collection,
    Observation,
    ResourceRef,
    Result,
    ScopeError,
    ScopeRecord,
    Status,
)
from tests.fakes.postgres import ENGINES, postgres_schema

T0 = datetime(2026, 11, 23, 5, 0, 0, 123456, tzinfo=UTC)
ACCOUNT = "123456789012"
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/EvidraAudit"
BUCKET = "arn:aws:s3:::acme-logs"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"


@pytest.fixture(params=ENGINES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        # A database file that does not exist yet, in a directory that does (a missing
        # directory is refused: tests/cli/test_hostile_operator.py).
        (tmp_path / "evidence").mkdir()
        yield f"sqlite:///{tmp_path}/evidence/evidra.db"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[EvidenceStore]:
    with EvidenceStore.open(store_url) as opened:
        yield opened


@pytest.fixture
def raw(store_url: str, store: EvidenceStore) -> Iterator[Engine]:
    """A plain engine on the store's database, for reaching past the API (tampering)."""
    engine = create_engine(parse_url(store_url))
    yield engine
    engine.dispose()


def _observation(
    type_: str,
    id_: str,
    attributes: dict[str, object],
    *,
    at: datetime,
    provider: str = "aws",
    scope: str = "",
) -> Observation:
    scope = scope or f"aws:{ACCOUNT}:eu-west-1"
    return Observation(
        provider=provider,
        scope=scope,
        type=type_,
        id=id_,
        attributes=attributes,
        raw={"Response": {"Id": id_, **attributes}},
        calls=[ApiCall(provider, "Describe", {"Id": id_}, region="eu-west-1")],
        principal=PRINCIPAL,
        observed_at=at,
        name=id_.rsplit("/", 1)[-1],
    )


def build_run(day: int = 0, *, bucket_encrypted: bool = True, run_id: str | None = None) -> RunRecord:
    """A small synthetic run: a bucket, two users on two providers, one unreadable
    scope. Only the timestamps move with `day`, so an unchanged estate gives the same
    snapshots every day; `bucket_encrypted` changes one resource."""
    start = T0 + timedelta(days=day)
    at = start + timedelta(seconds=5)
    bucket = _observation("storage.bucket", BUCKET, {"encrypted": bucket_encrypted, "public": False}, at=at)
    bob = _observation("identity.user", BOB, {"mfa_enrolled": False, "console_access": True}, at=at)
    alice = _observation(
        "identity.user", "00u1alice", {"mfa_enrolled": True}, at=at, provider="okta", scope="okta:acme"
    )
    unreadable = f"aws:{ACCOUNT}:us-east-1"
    collection = Collection(
        observations=[bucket, bob, alice],
        errors=[
            ScopeError("aws", unreadable, "AccessDenied: s3:ListAllMyBuckets", "s3", ("storage.bucket",))
        ],
        scopes=[
            ScopeRecord("aws", f"aws:{ACCOUNT}:eu-west-1", start, start + timedelta(seconds=9)),
            ScopeRecord("aws", unreadable, start, start + timedelta(seconds=2), error="AccessDenied"),
            ScopeRecord("okta", "okta:acme", start, start + timedelta(seconds=4)),
        ],
    )

    def verdict(control: str, requirement: str, obs: Observation, ok: bool, reason: str) -> Result:
        return Result(
            control=control,
            requirement=requirement,
            tsc=("CC6.1",),
            status=Status.PASS if ok else Status.FAIL,
            resource=ResourceRef(obs.provider, obs.scope, obs.type, obs.id),
            reason=reason,
            evidence=obs.evidence_hash,
        )

    results = [
        verdict("bucket-encryption", "crypto.at_rest", bucket, bucket_encrypted, "default encryption"),
        verdict(
            "identity-user-mfa", "mfa.all_workforce", bob, False, "console password enabled, no MFA device"
        ),
        verdict("identity-user-mfa", "mfa.all_workforce", alice, True, "MFA enrolled"),
        Result(
            control="bucket-encryption",
            requirement="crypto.at_rest",
            tsc=("CC6.1", "CC6.7"),
            status=Status.ERROR,
            resource=ResourceRef("aws", unreadable, "storage.bucket", unreadable),
            reason="scope could not be read: AccessDenied",
        ),
    ]
    return RunRecord(
        id=run_id or str(uuid.uuid4()),
        started_at=start,
        finished_at=start + timedelta(seconds=10),
        tool_version="0.1.0",
        parameters={"parameters": {"pwd.min_length.min_length_standard": 14}, "providers": ["aws", "okta"]},
        collection=collection,
        results=results,
    )


@pytest.fixture
def make_run() -> Callable[..., RunRecord]:
    """`make_run(day=0, *, bucket_encrypted=True, run_id=None)`: see `build_run`."""
    return build_run


@pytest.fixture
def recorded(store: EvidenceStore) -> Callable[[int], list[str]]:
    """Record `n` daily runs and return their ids in seq order. The bucket is
    unencrypted on odd days, so the run with seq 2 cites a snapshot no other run does."""

    def record(n: int) -> list[str]:
        ids = []
        for day in range(n):
            run = build_run(day, bucket_encrypted=day % 2 == 0)
            store.record_run(run)
            ids.append(run.id)
        return ids

    return record
