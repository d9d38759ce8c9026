"""Benchmark: `evidra collect` on AWS against moto's server, run by hand.

    .venv/bin/python bench/bench_collect.py --users 200 --buckets 100 --volumes 100 --keys 20

Seeds an account of the given size in two regions, then collects it twice into a fresh
SQLite file, counting API requests with a botocore event hook: the first run, and a second run over the
unchanged account (storage must grow with change, not with time). Prints wall time
(collect, evaluate, store), HTTP requests per resource and database size. The figures
go in bench/README.md. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections import Counter

import boto3

from evidra.collectors.aws.collector import AwsCollector
from evidra.config.settings import AwsSettings
from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.demo.emulator import start_moto
from evidra.evidence_store.store import EvidenceStore, RunRecord
from evidra.model import utcnow

REGIONS = ("us-east-1", "eu-west-1")


def seed(endpoint: str, users: int, buckets: int, volumes: int, keys: int) -> None:
    def client(service: str, region: str = "us-east-1"):  # type: ignore[no-untyped-def]
        return boto3.client(service, region_name=region, endpoint_url=endpoint)

    iam = client("iam")
    for i in range(users):
        iam.create_user(UserName=f"user{i:05d}")
        iam.create_login_profile(UserName=f"user{i:05d}", Password="Correct-Horse-9!")
        if i % 3 == 0:
            iam.create_access_key(UserName=f"user{i:05d}")
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True)
    s3 = client("s3")
    for i in range(buckets):
        s3.create_bucket(Bucket=f"bench-bucket-{i:05d}")
        if i % 2:
            s3.put_bucket_encryption(
                Bucket=f"bench-bucket-{i:05d}",
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
    for region in REGIONS:
        ec2 = client("ec2", region)
        for i in range(volumes // len(REGIONS)):
            ec2.create_volume(AvailabilityZone=f"{region}a", Size=8, Encrypted=bool(i % 2))
        kms = client("kms", region)
        for i in range(keys // len(REGIONS)):
            key = kms.create_key(Description=f"bench {i}")["KeyMetadata"]["KeyId"]
            if i % 2:
                kms.enable_key_rotation(KeyId=key)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--buckets", type=int, default=100)
    parser.add_argument("--volumes", type=int, default=100)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    server, endpoint = start_moto()
    started = time.perf_counter()
    seed(endpoint, args.users, args.buckets, args.volumes, args.keys)
    print(f"seeded in {time.perf_counter() - started:.1f} s")

    os.environ["AWS_ENDPOINT_URL"] = endpoint
    requests: Counter[str] = Counter()

    def count(event_name: str, **_: object) -> None:
        requests[event_name.split(".")[1]] += 1  # before-send.<service>.<Operation>

    session = boto3.Session()
    session.events.register("before-send", count)
    settings = AwsSettings(regions=list(REGIONS), max_workers=args.workers)
    controls = select(None)
    parameters = default_parameters()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        for label in ("first run", "unchanged run"):
            requests.clear()
            t0 = time.perf_counter()
            started = utcnow()
            collection = AwsCollector(settings, boto_session=session).collect()
            t1 = time.perf_counter()
            results = evaluate(controls, collection, parameters, utcnow())
            t2 = time.perf_counter()
            with EvidenceStore.open(url) as evidence:
                evidence.record_run(
                    RunRecord(
                        id=str(uuid.uuid4()),
                        started_at=started,
                        finished_at=utcnow(),
                        tool_version="bench",
                        parameters=parameters,
                        collection=collection,
                        results=results,
                    )
                )
                t3 = time.perf_counter()
                stats = evidence.stats()
            resources = len(collection.observations)
            total = sum(requests.values())
            print(
                f"{label}: {resources} resources, {len(results)} results, {len(collection.errors)} errors; "
                f"collect {t1 - t0:.2f} s, evaluate {t2 - t1:.3f} s, store {t3 - t2:.2f} s; "
                f"{total} API requests ({total / max(resources, 1):.2f} per resource); "
                f"database {stats['database_bytes'] / 1024:.0f} KiB, {stats['snapshots']} snapshots"
            )
            print("  requests by service:", dict(sorted(requests.items())))
    server.stop()


if __name__ == "__main__":
    main()
