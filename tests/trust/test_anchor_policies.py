"""The shipped IAM policies for anchors, proven under moto's IAM enforcement: the
writer's policy lets evidra write a locked anchor and nothing else (no read, no
delete); the auditor's lets `verify --anchors` read every version and nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from evidra.config.settings import S3AnchorSettings
from evidra.emulators.moto_process import MotoProcess
from evidra.evidence_store.store import StoredRun
from evidra.trust.anchors import S3Anchors, compare

BUCKET = "acme-evidra-anchors"
ADMIN = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
SETTINGS = S3AnchorSettings(bucket=BUCKET, retention_days=7)


def _policy(name: str) -> str:
    text = resources.files("evidra.trust").joinpath("policies", name).read_text()
    return text.replace("ANCHOR-BUCKET", BUCKET)


@pytest.fixture(scope="module")
def principals() -> Iterator[dict[str, Any]]:
    with MotoProcess(managed_policies=()) as moto:

        def client(service: str, **credentials: str) -> Any:
            return boto3.client(
                service, region_name="us-east-1", endpoint_url=moto.endpoint, **(credentials or ADMIN)
            )

        client("s3").create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
        iam = client("iam")
        users = {}
        for user, policy in (
            ("anchor-writer", "anchor-writer.json"),
            ("auditor", "auditor-anchor-reader.json"),
        ):
            iam.create_user(UserName=user)
            iam.put_user_policy(UserName=user, PolicyName=user, PolicyDocument=_policy(policy))
            key = iam.create_access_key(UserName=user)["AccessKey"]
            users[user] = client(
                "s3", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
            )
        moto.enforce_iam()
        yield users


RUN = StoredRun(
    id="0b0f6a3e-3f3c-4c1e-9a59-0d7b1c1d2e3f",
    seq=1,
    started_at=datetime(2026, 11, 30, 5, 0, tzinfo=UTC),
    finished_at=datetime(2026, 11, 30, 5, 1, tzinfo=UTC),
    tool_version="test",
    parameters_hash="sha256:" + "1" * 64,
    observation_count=0,
    scope_count=0,
    error_count=0,
    result_count=0,
    merkle_root="sha256:" + "2" * 64,
    previous_digest=None,
    digest="sha256:" + "3" * 64,
)


def test_the_writer_writes_a_locked_anchor_and_can_do_nothing_else(principals: dict[str, Any]) -> None:
    writer = principals["anchor-writer"]
    location = S3Anchors(SETTINGS, writer).write(RUN, None, datetime.now(UTC))
    assert location == f"s3://{BUCKET}/evidra/anchors/0000000001-{RUN.id}.json"
    key = location.removeprefix(f"s3://{BUCKET}/")
    for denied in (
        lambda: writer.get_object(Bucket=BUCKET, Key=key),
        lambda: writer.list_objects_v2(Bucket=BUCKET),
        lambda: writer.delete_object(Bucket=BUCKET, Key=key),
        lambda: writer.put_object(Bucket=BUCKET, Key="elsewhere.json", Body=b"{}"),
    ):
        with pytest.raises(ClientError, match="AccessDenied"):
            denied()

    auditor = principals["auditor"]
    anchors, markers = S3Anchors(SETTINGS, auditor).read_all()
    assert [anchor.body["digest"] for anchor in anchors] == [RUN.digest] and markers == []
    assert anchors[0].lock_mode == "COMPLIANCE"
    assert compare(anchors, [RUN], None, markers) == []
    for denied in (
        lambda: auditor.put_object(Bucket=BUCKET, Key=key, Body=b"{}"),
        lambda: auditor.delete_object(Bucket=BUCKET, Key=key),
    ):
        with pytest.raises(ClientError, match="AccessDenied"):
            denied()
    assert json.loads(_policy("anchor-writer.json"))["Statement"][0]["Action"] == [
        "s3:PutObject",
        "s3:PutObjectRetention",
    ]
