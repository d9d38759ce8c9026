"""Write-once anchors: each run's chain head as one small object in an S3 bucket with
Object Lock in compliance mode, so that nobody (the company's root user included) can
delete or overwrite it before its retention date.

The database alone cannot prove its tail complete: deleting the newest runs leaves a
valid, shorter chain. An anchor outside it can: `evidra verify --anchors` reads every
anchor back and names each run an anchor holds that the database lacks (a deleted
tail) or holds differently.

    <prefix><seq, 10 digits>-<run id>.json
    {"schema": "evidra.anchor/v1", "run": ..., "seq": ..., "digest": ..., "previous_digest": ...,
     "merkle_root": ..., "finished_at": ..., "timestamp_token": <base64 DER TimeStampResp or null>}

Object Lock needs versioning: writing a key again (or deleting it without a version)
adds a version or a delete marker over the locked one, which stays. So anchors are read
back by *version* (ListObjectVersions), never by the latest listing: a second version
of a key or a delete marker is itself a finding (evidra writes each key once).

The S3 calls and their parameters are AWS's (S3 API Reference: PutObject with
`ObjectLockMode`/`ObjectLockRetainUntilDate`, which needs a checksum header;
ListObjectVersions; GetObject with `VersionId`, whose answer carries `ObjectLockMode`
when the caller may read the retention). The writer needs `s3:PutObject` and
`s3:PutObjectRetention`; the auditor `s3:ListBucketVersions`, `s3:GetObjectVersion`
and `s3:GetObjectRetention` (policies in `evidra/trust/policies/`, docs: trust.md).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from evidra.evidence_store.integrity import timestamp

if TYPE_CHECKING:
    from evidra.config.settings import S3AnchorSettings
    from evidra.evidence_store.store import StoredRun

SCHEMA = "evidra.anchor/v1"
MAX_ANCHOR_BYTES = 64 * 1024  # an anchor is a few KiB; a bigger object is not one of ours


class AnchorError(Exception):
    """The anchor store could not be written or read. The message names the bucket."""


@dataclass(frozen=True)
class Anchor:
    key: str
    version: str | None
    body: dict[str, Any]
    lock_mode: str | None  # "COMPLIANCE" when the object is locked as it must be
    retain_until: datetime | None


def anchor_body(run: StoredRun, token: bytes | None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "run": run.id,
        "seq": run.seq,
        "digest": run.digest,
        "previous_digest": run.previous_digest,
        "merkle_root": run.merkle_root,
        "finished_at": timestamp(run.finished_at),
        "timestamp_token": base64.b64encode(token).decode() if token else None,
    }


class S3Anchors:
    """The anchor objects of one bucket and prefix, through boto3 (imported here only)."""

    def __init__(self, settings: S3AnchorSettings, client: Any = None) -> None:
        self.settings = settings
        if client is None:
            import boto3

            client = boto3.client("s3", region_name=settings.region)
        self._s3 = client

    @property
    def where(self) -> str:
        return f"s3://{self.settings.bucket}/{self.settings.prefix}"

    def key(self, run: StoredRun) -> str:
        return f"{self.settings.prefix}{run.seq:010d}-{run.id}.json"

    def write(self, run: StoredRun, token: bytes | None, now: datetime) -> str:
        """Write the run's anchor, locked until now + retention_days; returns its s3:// URL."""
        from botocore.exceptions import BotoCoreError, ClientError

        key = self.key(run)
        body = json.dumps(anchor_body(run, token), sort_keys=True).encode()
        try:
            self._s3.put_object(
                Bucket=self.settings.bucket,
                Key=key,
                Body=body,
                ContentType="application/json",
                ChecksumAlgorithm="SHA256",  # Object Lock PUTs must carry an integrity checksum
                ObjectLockMode="COMPLIANCE",
                ObjectLockRetainUntilDate=now + timedelta(days=self.settings.retention_days),
            )
        except (BotoCoreError, ClientError) as exc:
            raise AnchorError(f"cannot write the anchor of run {run.id} to {self.where}: {exc}") from None
        return f"s3://{self.settings.bucket}/{key}"

    def read_all(self) -> tuple[list[Anchor], list[str]]:
        """Every version of every anchor object under the prefix, in key (so seq) order,
        and the keys a delete marker was put on."""
        from botocore.exceptions import BotoCoreError, ClientError

        anchors = []
        try:
            pages = self._s3.get_paginator("list_object_versions").paginate(
                Bucket=self.settings.bucket, Prefix=self.settings.prefix
            )
            versions, markers = [], []
            for page in pages:
                versions += [(item["Key"], item["VersionId"]) for item in page.get("Versions", [])]
                markers += [item["Key"] for item in page.get("DeleteMarkers", [])]
            for key, version in sorted(versions):
                answer = self._s3.get_object(Bucket=self.settings.bucket, Key=key, VersionId=version)
                data = answer["Body"].read(MAX_ANCHOR_BYTES + 1)
                anchors.append(
                    Anchor(
                        key,
                        version,
                        _parse(data),
                        answer.get("ObjectLockMode"),
                        answer.get("ObjectLockRetainUntilDate"),
                    )
                )
        except (BotoCoreError, ClientError) as exc:
            raise AnchorError(f"cannot read the anchors in {self.where}: {exc}") from None
        return anchors, sorted(set(markers))


def _parse(data: bytes) -> dict[str, Any]:
    """An anchor's JSON, or a document saying why it is not one (compared as such)."""
    if len(data) > MAX_ANCHOR_BYTES:
        return {"invalid": f"larger than {MAX_ANCHOR_BYTES} bytes"}
    try:
        body = json.loads(data)
    except ValueError:
        return {"invalid": "not JSON"}
    if not isinstance(body, dict) or body.get("schema") != SCHEMA:
        return {"invalid": f"not an {SCHEMA} document"}
    return body


def compare(
    anchors: list[Anchor],
    runs: list[StoredRun],
    pruned_before: int | None,
    delete_markers: Sequence[str] = (),
) -> list[str]:
    """Each way the database differs from its anchors: a run an anchor holds that the
    database lacks (unless a recorded prune deleted it), or holds with another seal;
    and each anchor written twice or hidden under a delete marker."""
    by_id = {run.id: run for run in runs}
    by_seq = {run.seq: run for run in runs}
    problems = [
        f"anchor {key}: a delete marker was put over it (someone tried to delete it)"
        for key in delete_markers
    ]
    versions: dict[str, int] = {}
    for anchor in anchors:
        versions[anchor.key] = versions.get(anchor.key, 0) + 1
    problems += [
        f"anchor {key}: written {count} times (evidra writes it once)"
        for key, count in versions.items()
        if count > 1
    ]
    for anchor in anchors:
        body = anchor.body
        if "invalid" in body:
            problems.append(f"anchor {anchor.key}: {body['invalid']}")
            continue
        run_id, seq = str(body.get("run")), body.get("seq")
        where = f"run {run_id} (seq {seq}), anchored in {anchor.key}"
        if anchor.lock_mode is not None and anchor.lock_mode != "COMPLIANCE":
            problems.append(f"{where}: the anchor is locked in {anchor.lock_mode} mode, not COMPLIANCE")
        stored = by_id.get(run_id)
        if stored is None:
            if isinstance(seq, int) and pruned_before is not None and seq < pruned_before:
                continue  # deleted by a recorded prune (its event names the first kept run)
            other = by_seq.get(seq) if isinstance(seq, int) else None
            problems.append(
                f"{where}: the database holds run {other.id} at that seq instead (replaced)"
                if other
                else f"{where}: missing from the database (deleted)"
            )
            continue
        for name, value in (
            ("seq", stored.seq),
            ("digest", stored.digest),
            ("previous_digest", stored.previous_digest),
            ("merkle_root", stored.merkle_root),
        ):
            if body.get(name) != value:
                problems.append(f"{where}: its {name} differs (anchor {body.get(name)}, database {value})")
    return problems
