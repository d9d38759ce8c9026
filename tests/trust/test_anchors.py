"""Write-once anchors on moto's S3 with Object Lock: each run's chain head written
once, locked in compliance mode, and `evidra verify --anchors` catching a database
whose tail was cut off or replaced, and an anchor rewritten or hidden."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from evidra.cli import app
from evidra.config.settings import Settings
from evidra.emulators.tsa_server import TsaServer
from evidra.evidence_store.store import EvidenceStore
from evidra.trust.anchors import S3Anchors
from evidra.trust.service import secure_runs
from tests.trust.conftest import run_now

runner = CliRunner()
BUCKET = "acme-evidra-anchors"
PREFIX = "evidra/anchors/"


@pytest.fixture
def bucket(moto_reset: str) -> object:
    """An S3 bucket with Object Lock (which turns versioning on), as the docs set it up."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
    return s3


def _settings(tsa: TsaServer, database: str, bucket: str = BUCKET) -> Settings:
    return Settings.model_validate(
        {
            "database": database,
            "timestamping": {"tsa_urls": [tsa.url], "ca_file": str(tsa.ca_file)},
            "anchor": {"s3": {"bucket": bucket, "prefix": PREFIX, "retention_days": 30}},
        }
    )


def _config(tmp_path: Path, tsa: TsaServer, database: str) -> Path:
    path = tmp_path / "evidra.yaml"
    path.write_text(
        f"database: {database}\n"
        f"timestamping: {{tsa_urls: [{tsa.url}], ca_file: {tsa.ca_file}}}\n"
        f"anchor: {{s3: {{bucket: {BUCKET}, prefix: {PREFIX}, retention_days: 30}}}}\n"
    )
    return path


def _verify(config: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["verify", "--anchors", "--config", str(config)])
    return result.exit_code, result.output


def test_each_run_is_anchored_once_locked_in_compliance_mode(
    bucket: object, tsa: TsaServer, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path}/evidra.db"
    with EvidenceStore.open(database) as store:
        runs = []
        for day in range(3):
            runs.append(store.record_run(run_now(day)))
            done = secure_runs(store, _settings(tsa, database))
            assert done.anchored == [runs[-1].id] and not done.errors

    s3 = boto3.client("s3", region_name="us-east-1")
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=PREFIX)["Versions"]
    assert sorted(v["Key"] for v in versions) == [f"{PREFIX}{r.seq:010d}-{r.id}.json" for r in runs]
    newest = versions[0]
    # (moto 5.2 answers GetObjectRetention by a 500; HeadObject carries the same two fields)
    head = s3.head_object(Bucket=BUCKET, Key=newest["Key"], VersionId=newest["VersionId"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=29)
    with pytest.raises(ClientError, match="AccessDenied"):  # nobody deletes a locked version
        s3.delete_object(Bucket=BUCKET, Key=newest["Key"], VersionId=newest["VersionId"])
    anchors, _ = S3Anchors(_settings(tsa, database).anchor.s3).read_all()  # type: ignore[union-attr]
    assert all(anchor.body["timestamp_token"] for anchor in anchors)  # stamped before anchored

    code, output = _verify(_config(tmp_path, tsa, database))
    assert code == 0, output
    assert "3 anchor(s) in s3://acme-evidra-anchors/evidra/anchors/; runs not anchored: 0" in output


def test_a_cut_off_tail_and_a_replaced_run_are_caught(bucket: object, tsa: TsaServer, tmp_path: Path) -> None:
    """The database restored from a copy taken before its newest run: its chain is whole
    and `verify` alone says so; the anchor of the missing run says otherwise."""
    path = tmp_path / "evidra.db"
    database = f"sqlite:///{path}"
    config = _config(tmp_path, tsa, database)
    with EvidenceStore.open(database) as store:
        for day in range(2):
            store.record_run(run_now(day))
        secure_runs(store, _settings(tsa, database))
    shutil.copy(path, tmp_path / "before.db")
    with EvidenceStore.open(database) as store:
        cut = store.record_run(run_now(2))
        secure_runs(store, _settings(tsa, database))
    assert _verify(config)[0] == 0

    shutil.copy(tmp_path / "before.db", path)  # the newest run deleted
    plain = CliRunner().invoke(app, ["verify", "--config", str(config)])
    assert plain.exit_code == 0 and "2 run(s), chain intact" in plain.output, plain.output
    code, output = _verify(config)
    assert code == 1, output
    assert (
        f"run {cut.id} (seq 3), anchored in {PREFIX}0000000003-{cut.id}.json: missing from the database"
        in output
    )

    with EvidenceStore.open(database) as store:  # ... and a different run written in its place
        other = store.record_run(run_now(3))
    code, output = _verify(config)
    assert code == 1 and f"the database holds run {other.id} at that seq instead (replaced)" in output, output


def test_an_anchor_rewritten_or_hidden_under_a_delete_marker_is_caught(
    bucket: object, tsa: TsaServer, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path}/evidra.db"
    with EvidenceStore.open(database) as store:
        first = store.record_run(run_now(0))
        second = store.record_run(run_now(1))
        secure_runs(store, _settings(tsa, database))
    s3 = boto3.client("s3", region_name="us-east-1")
    key = f"{PREFIX}{1:010d}-{first.id}.json"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"{}", ChecksumAlgorithm="SHA256")  # a new version over it
    s3.delete_object(Bucket=BUCKET, Key=f"{PREFIX}{2:010d}-{second.id}.json")  # a marker, the lock holds
    code, output = _verify(_config(tmp_path, tsa, database))
    assert code == 1, output
    assert f"anchor {key}: written 2 times" in output
    assert f"anchor {PREFIX}{2:010d}-{second.id}.json: a delete marker was put over it" in output


def test_an_unreachable_bucket_never_loses_the_run_and_is_retried(
    bucket: object, tsa: TsaServer, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path}/evidra.db"
    with EvidenceStore.open(database) as store:
        stored = store.record_run(run_now())
        done = secure_runs(store, _settings(tsa, database, bucket="no-such-anchor-bucket"))
        assert done.anchored == [] and done.pending_anchors == 1 and "NoSuchBucket" in done.errors[0]
        assert done.stamped == [stored.id]  # the token does not wait for the bucket
        assert [run.id for run in store.unanchored_runs()] == [stored.id]
    result = CliRunner().invoke(app, ["timestamp", "--config", str(_config(tmp_path, tsa, database))])
    assert result.exit_code == 0 and "anchored 1" in result.output, result.output
    with EvidenceStore.open(database) as store:
        assert store.unanchored_runs() == []
