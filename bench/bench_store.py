"""Benchmark: the evidence store over a Type II year, with synthetic collector output.

    /work/venv/bin/python bench/bench_store.py --runs 365 --resources 10000 --churn 0.01
    /work/venv/bin/python bench/bench_store.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench

One run a day: every resource observed and judged by one control; each day `churn` of
the resources change (nine in ten have an attribute and their raw answer changed, one
in ten is deleted and replaced by a new one). Prints the database size after the first
run and at the end, the ingest time of each run (and of a final unchanged run), the
time to answer "the state of everything at time T" (mid-period) and `verify`'s time.
No cloud, nothing asserted: the figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from evidra.evidence_store.database import parse_url
from evidra.evidence_store.store import EvidenceStore, RunRecord
from evidra.model import ApiCall, Collection, Observation, ResourceRef, Result, ScopeRecord, Status

ACCOUNT = "123456789012"
SCOPES = [f"aws:{ACCOUNT}:{region}" for region in ("us-east-1", "eu-west-1", "eu-central-1", "ap-south-1")]
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/EvidraAudit"
DAY0 = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)


def resource(n: int, version: int) -> Observation:
    """A bucket-like resource with realistic raw answers (about 1.5 KB of JSON)."""
    scope = SCOPES[n % len(SCOPES)]
    arn = f"arn:aws:s3:::bench-{n:06d}"
    encrypted = (n + version) % 5 != 0
    attributes = {
        "encrypted": encrypted,
        "public": False,
        "public_access_block": {"block_public_acls": True, "restrict_public_buckets": True},
        "tls_only": n % 3 != 0,
        "kms_key": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{uuid.UUID(int=n)}" if encrypted else None,
        "tags": {"team": f"team-{n % 40}", "env": "prod" if n % 2 else "dev", "version": str(version)},
    }
    raw = {
        "GetBucketEncryption": {
            "ServerSideEncryptionConfiguration": {
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
                if encrypted
                else []
            }
        },
        "GetPublicAccessBlock": {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            }
        },
        "GetBucketPolicy": {
            "Policy": '{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecure","Effect":"Deny",'
            '"Principal":"*","Action":"s3:*","Resource":["' + arn + '","' + arn + '/*"],'
            '"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}'
        },
        "GetBucketAcl": {
            "Owner": {"ID": "c" * 64},
            "Grants": [{"Grantee": {"ID": "c" * 64, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}],
        },
        "GetBucketTagging": {"TagSet": [{"Key": k, "Value": v} for k, v in attributes["tags"].items()]},
    }
    return Observation(
        provider="aws",
        scope=scope,
        type="storage.bucket",
        id=arn,
        attributes=attributes,
        raw=raw,
        calls=[ApiCall("s3", op, {"Bucket": arn.rsplit(":", 1)[-1]}) for op in raw],
        principal=PRINCIPAL,
        observed_at=DAY0,
        name=arn.rsplit(":", 1)[-1],
    )


def verdict(obs: Observation) -> Result:
    encrypted = bool(obs.attributes["encrypted"])
    return Result(
        control="bucket-encryption",
        requirement="enc.at_rest",
        tsc=("CC6.1",),
        status=Status.PASS if encrypted else Status.FAIL,
        resource=ResourceRef(obs.provider, obs.scope, obs.type, obs.id),
        reason="default encryption with aws:kms" if encrypted else "no default encryption",
        evidence=obs.evidence_hash,
    )


class Estate:
    def __init__(self, size: int, churn: float, seed: int = 7) -> None:
        self.random = random.Random(seed)
        self.versions = dict.fromkeys(range(size), 0)
        self.next_id = size
        self.churn = churn
        self.observations = {n: resource(n, 0) for n in self.versions}
        self.results = {n: verdict(obs) for n, obs in self.observations.items()}

    def change(self) -> None:
        """One day's churn; `changed` then holds the changed and new resources,
        `removed` the observations of those deleted."""
        self.changed: set[int] = set()
        self.removed: list[Observation] = []
        for n in self.random.sample(sorted(self.versions), int(len(self.versions) * self.churn)):
            if self.random.random() < 0.1:
                self.removed.append(self.observations[n])
                del self.versions[n], self.observations[n], self.results[n]
                n, self.next_id = self.next_id, self.next_id + 1
                self.versions[n] = 0
            else:
                self.versions[n] += 1
            self.observations[n] = resource(n, self.versions[n])
            self.results[n] = verdict(self.observations[n])
            self.changed.add(n)

    def run(self, day: int, only: set[int] | None = None) -> RunRecord:
        """The day's run: every resource, or (`only`) just those resources' records."""
        start = DAY0 + timedelta(days=day)
        chosen = sorted(self.observations) if only is None else sorted(only)
        return RunRecord(
            id=str(uuid.uuid4()),
            started_at=start,
            finished_at=start + timedelta(minutes=20),
            tool_version="bench",
            parameters={"providers": ["aws"], "controls": ["bucket-encryption"]},
            collection=Collection(
                observations=[self.observations[n] for n in chosen],
                scopes=[ScopeRecord("aws", s, start, start + timedelta(minutes=19)) for s in SCOPES],
            ),
            results=[self.results[n] for n in chosen],
        )


def fresh_postgres(url: str) -> str:
    """A new schema of its own on the server, so that sizes count this run only."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    base = parse_url(url)
    with create_engine(base).begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    return base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def size(store: EvidenceStore, url: str) -> int:
    """The database's size on disk. SQLite: after folding the write-ahead log into the
    file, since the log is transient and its size depends on when SQLite checkpoints."""
    if url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
    return store.stats()["database_bytes"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--churn", type=float, default=0.01)
    parser.add_argument("--database", help="PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--every", type=int, default=30, help="print progress every N runs")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_postgres(args.database) if args.database else f"sqlite:///{tmp}/bench.db"
        estate = Estate(args.resources, args.churn)
        ingest: list[float] = []
        with EvidenceStore.open(url) as store:
            for day in range(args.runs):
                if day:
                    estate.change()
                run = estate.run(day)
                started = time.perf_counter()
                store.record_run(run)
                ingest.append(time.perf_counter() - started)
                if day == 0:
                    one_run = size(store, url)
                    print(f"run 1: ingest {ingest[0]:.2f} s, database {one_run / 2**20:.1f} MiB")
                elif (day + 1) % args.every == 0:
                    now = size(store, url)
                    print(
                        f"run {day + 1}: ingest {ingest[-1]:.2f} s "
                        f"(median {statistics.median(ingest[1:]):.2f}),"
                        f" database {now / 2**20:.1f} MiB = {now / one_run:.2f}x one run",
                        flush=True,
                    )
            unchanged = estate.run(args.runs)
            started = time.perf_counter()
            store.record_run(unchanged)
            unchanged_s = time.perf_counter() - started
            stats = {**store.stats(), "database_bytes": size(store, url)}
            middle = DAY0 + timedelta(days=args.runs // 2, hours=12)
            started = time.perf_counter()
            state = store.state_at(middle)
            state_s = time.perf_counter() - started
            started = time.perf_counter()
            report = store.verify()
            verify_s = time.perf_counter() - started
        print(
            f"after {args.runs} runs + 1 unchanged: database {stats['database_bytes'] / 2**20:.1f} MiB = "
            f"{stats['database_bytes'] / one_run:.2f}x one run ({one_run / 2**20:.1f} MiB); "
            f"{stats['snapshots']} snapshots, {stats['observation_spans']} observation spans, "
            f"{stats['result_spans']} result spans for {stats['observations']} logical observations"
        )
        print(
            f"ingest: first run {ingest[0]:.2f} s, median {statistics.median(ingest[1:] or ingest):.2f} s, "
            f"max {max(ingest[1:] or ingest):.2f} s; unchanged run {unchanged_s:.2f} s"
        )
        print(
            f"state of everything at {middle:%Y-%m-%d}: {len(state.resources)} resources in {state_s:.2f} s"
        )
        print(
            f"verify: {'ok' if report.ok else report.problem}, {report.runs_checked} runs in {verify_s:.1f} s"
        )


if __name__ == "__main__":
    main()
