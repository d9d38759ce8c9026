"""What a scale-out run is made of, without a broker: the AWS collector's plan (one task
per account) and per-account collection add up to exactly what `collect()` reads, and
a scope's output survives the trip through bytes with its evidence hashes unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from evidra.collection_codec import decode, encode
from evidra.collectors import scopes
from evidra.collectors.aws.collector import AwsCollector
from evidra.config.settings import AwsSettings
from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.model import Collection, utcnow
from evidra.resource_types import RESOURCE_TYPES
from tests.daemon.celery_support import ROLE
from tests.fakes.sealed import fingerprint

SETTINGS = AwsSettings(regions=["us-east-1"], accounts="organization", role_name=ROLE, max_attempts=2)


def test_the_accounts_planned_and_collected_one_by_one_are_the_whole_collection(
    organization: dict[str, str],
) -> None:
    collector = AwsCollector(SETTINGS)
    plan = scopes.plan(collector)

    assert [t.key for t in plan.tasks] == [f"aws:{a}" for a in sorted(organization.values())]
    assert all("principal" not in str(t.spec) and "Secret" not in str(t.spec) for t in plan.tasks)
    pieces = Collection()
    pieces.extend(plan.collection)
    for task in plan.tasks:
        pieces.extend(scopes.collect(collector, task))
    assert fingerprint(pieces) == fingerprint(collector.collect())
    assert {o.scope.split(":")[1] for o in pieces.observations} == set(organization.values())


def test_a_worker_cannot_read_another_account_with_its_own_credentials(organization: dict[str, str]) -> None:
    task = scopes.ScopeTask(f"aws:{organization['payments']}", {"account": organization["payments"]})
    collection = scopes.collect(AwsCollector(SETTINGS), task)
    [error] = collection.errors
    assert error.scope == task.key and "credentials are for account" in error.message
    assert list(collection.observations) == []


def test_a_collection_survives_encoding_with_its_evidence_unchanged(organization: dict[str, str]) -> None:
    original = AwsCollector(SETTINGS).collect()
    decoded = decode(encode(original))

    assert fingerprint(decoded) == fingerprint(original)
    assert list(decoded.scopes) == list(original.scopes)  # the times too
    assert [o.observed_at for o in decoded.observations] == [o.observed_at for o in original.observations]
    assert [o.evidence_hash for o in decoded.observations] == [o.evidence_hash for o in original.observations]
    now, parameters = utcnow(), default_parameters()
    verdicts = [r.to_dict() for r in evaluate(select(None), original, parameters, now)]
    assert [r.to_dict() for r in evaluate(select(None), decoded, parameters, now)] == verdicts
    assert any(v["status"] == "fail" for v in verdicts)


def test_a_collection_in_another_format_is_refused() -> None:
    import zlib

    with pytest.raises(ValueError, match=r"evidra\.collection/v1"):
        decode(zlib.compress(b'{"format": "something/v9"}'))


class WholeProvider:
    """A collector that cannot split its work (no plan(), no collect_scope())."""

    provider = "example"

    def collect(self, progress: Any = None) -> Collection:
        return Collection()


def test_a_collector_without_a_plan_is_one_task_covering_every_type() -> None:
    [task] = scopes.plan(WholeProvider()).tasks  # type: ignore[arg-type]
    assert task.key == "example"
    assert set(task.types) == set(RESOURCE_TYPES)
