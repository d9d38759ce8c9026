"""`evidra show`, `prune` and `verify` on a store of synthetic runs (no cloud needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidra.cli import app
from evidra.evidence_store.store import EvidenceStore
from tests.evidence_store.conftest import BOB, BUCKET, build_run

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path) -> str:
    """Three daily runs from 2026-11-23; the bucket is unencrypted on the 24th only."""
    url = f"sqlite:///{tmp_path}/evidra.db"
    with EvidenceStore.open(url) as store:
        for day in range(3):
            store.record_run(build_run(day, bucket_encrypted=day != 1))
    return url


def evidra(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_show_a_resource_as_of_a_day(database: str) -> None:
    code, output = evidra("show", BUCKET, "--at", "2026-11-24", "--database", database)
    assert code == 0, output
    assert "encrypted = false" in output
    assert "bucket-encryption  fail" in output
    assert "seq 2" in output


def test_show_json_with_raw(database: str) -> None:
    code, output = evidra(
        "show", BUCKET, "--at", "2026-11-23T23:00:00Z", "--raw", "-f", "json", "--database", database
    )
    assert code == 0, output
    document = json.loads(output)
    assert document["schema"] == "evidra.show/v1"
    assert (document["attributes"]["encrypted"], document["run"]["seq"], document["gap"]) == (True, 1, False)
    assert document["raw"]["Response"]["Id"] == BUCKET
    assert [r["status"] for r in document["results"]] == ["pass"]


def test_diff_between_two_days(database: str) -> None:
    code, output = evidra("show", BUCKET, "--diff", "2026-11-23", "2026-11-24", "--database", database)
    assert code == 0, output
    assert "~ encrypted: true -> false" in output
    assert "verdict bucket-encryption: pass -> fail" in output

    code, output = evidra(
        "show", BOB, "--diff", "2026-11-23", "2026-11-25", "--format", "json", "--database", database
    )
    assert code == 0, output
    changes = json.loads(output)["changes"]
    assert changes["attributes"]["changed"] == {} and changes["results"] == []


def test_show_unknown_resource_and_bad_time(database: str) -> None:
    assert evidra("show", "arn:aws:s3:::nope", "--database", database)[0] == 2
    code, output = evidra("show", BUCKET, "--at", "last tuesday", "--database", database)
    assert code == 2 and "not a time" in output


def test_prune_needs_confirmation_then_verify_starts_at_the_first_kept_run(database: str) -> None:
    code, output = evidra("prune", "--before", "2026-11-25", "--database", database)
    assert code == 2 and "--yes" in output
    with EvidenceStore.open(database) as store:
        assert len(store.runs()) == 3

    code, output = evidra("prune", "--before", "2026-11-25", "--yes", "--database", database)
    assert code == 0, output
    assert "pruned 2 run(s)" in output and "seq 3" in output

    code, output = evidra("verify", "--database", database)
    assert code == 0, output
    assert "1 run(s), chain intact from seq 3" in output
    with EvidenceStore.open(database) as store:
        [event] = [e for e in store.events() if e["action"] == "prune"]
        assert event["detail"]["runs_deleted"] == 2 and event["detail"]["by"]
