"""Faults between the collector and AWS: retried by botocore, then one ScopeError for the
unit that could not be read, while every other unit's observations still arrive.

The real boto3 client goes through a fault-injecting proxy in front of moto.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from evidra.demo.estate import BUCKET_SECURE
from evidra.model import Collection, ScopeError
from tests.collectors.aws.aws_support import TEST_REGIONS, run_collector
from tests.fakes.aws_fault_proxy import AwsFaultProxy

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def baseline(emulator: Any) -> Collection:
    """The estate read without faults: what a faulty run is compared with."""
    emulator.shared_estate()
    collection = run_collector(TEST_REGIONS)
    assert collection.errors == []
    return collection


@pytest.fixture
def proxy(
    baseline: Collection, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AwsFaultProxy]:
    with AwsFaultProxy(moto_endpoint) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL", running.url)
        yield running


def keys(collection: Collection) -> set[tuple[str, str, str, str]]:
    return {o.key for o in collection.observations}


def only_error(collection: Collection) -> ScopeError:
    assert len(collection.errors) == 1, collection.errors
    return collection.errors[0]


def test_throttling_is_retried_then_reported_for_that_region_only(
    proxy: AwsFaultProxy, baseline: Collection
) -> None:
    fault = proxy.add("kms", "eu-west-1", "throttle")

    collection = run_collector(TEST_REGIONS, max_attempts=2)

    assert fault.hits == 2  # botocore retried the throttled call up to its limit
    error = only_error(collection)
    assert error.provider == "aws"
    assert error.scope == f"aws:{ACCOUNT}:eu-west-1"
    assert error.service == "kms"
    assert error.types == ("crypto.key",)
    assert error.message.startswith("kms ListKeys failed in eu-west-1: ThrottlingException: Rate exceeded")
    lost = {k for k in keys(baseline) if k[1] == f"aws:{ACCOUNT}:eu-west-1" and k[2] == "crypto.key"}
    assert lost  # the estate has keys there ...
    assert keys(collection) == keys(baseline) - lost  # ... and nothing else went missing
    record = next(s for s in collection.scopes if s.scope == error.scope and s.error)
    assert record.error == error.message
    # The proxy saw everything else pass through it.
    assert ("kms", "us-east-1") in proxy.seen and ("iam", "us-east-1") in proxy.seen


@pytest.mark.parametrize(
    ("service", "region", "lost_types", "code"),
    [
        # Query-protocol XML that does not parse: botocore raises. RDS has two readers
        # (instances, and snapshots): each is its own scope error.
        ("rds", "us-east-1", ("backup.snapshot", "database.instance"), "ResponseParserError"),
        # JSON that does not parse: botocore answers {"message": body}; the shape check catches it.
        ("kms", "eu-west-1", ("crypto.key",), "MalformedResponse"),
    ],
)
def test_a_malformed_answer_is_a_scope_error(
    proxy: AwsFaultProxy,
    baseline: Collection,
    service: str,
    region: str,
    lost_types: tuple[str, ...],
    code: str,
) -> None:
    proxy.add(service, region, "malformed")

    collection = run_collector(TEST_REGIONS, max_attempts=2)

    scope = f"aws:{ACCOUNT}:{region}"
    assert sorted((e.scope, e.service, e.types) for e in collection.errors) == [
        (scope, service, (t,)) for t in lost_types
    ]
    assert all(f"failed in {region}: {code}" in e.message for e in collection.errors)
    # Only what that service holds (DynamoDB tables are database instances too).
    lost = {k for k in keys(baseline) if k[1] == scope and k[2] in lost_types and f":{service}:" in k[3]}
    assert keys(collection) == keys(baseline) - lost


def test_server_errors_fail_each_manager_of_the_service(proxy: AwsFaultProxy, baseline: Collection) -> None:
    fault = proxy.add("ec2", "eu-west-1", "error")

    collection = run_collector(TEST_REGIONS, max_attempts=2)

    ec2_types = {
        ("account",),
        ("compute.volume",),
        ("backup.snapshot",),
        ("network.virtual_network",),
        ("network.firewall_rule",),
        ("network.peering",),
        ("vuln.scan_coverage",),  # the scanner's coverage is joined with the instances
        ("compute.patch_state",),  # the instances Systems Manager does not manage
    }
    assert fault.hits == 2 * len(ec2_types)  # eight readers read EC2 there, each tried twice
    assert {(e.scope, e.types) for e in collection.errors} == {
        (f"aws:{ACCOUNT}:eu-west-1", t) for t in ec2_types
    }
    assert all("InternalError" in e.message for e in collection.errors)
    # Only what EC2 holds: RDS and Backup's snapshots and vaults are backup.snapshot too.
    lost = {
        k
        for k in keys(baseline)
        if k[1] == f"aws:{ACCOUNT}:eu-west-1"
        and (k[2],) in ec2_types
        and ":rds:" not in k[3]
        and ":backup:" not in k[3]
    }
    assert keys(collection) == keys(baseline) - lost


def test_a_slow_service_times_out_without_holding_up_the_rest(
    proxy: AwsFaultProxy, baseline: Collection
) -> None:
    proxy.add("rds", "eu-west-1", "delay", delay=20.0)

    # Generous enough for every other call while the emulator is busy with the rest, on a
    # loaded 2-core machine too (at 2 s, an unrelated call timed out at load 10 and more).
    collection = run_collector(TEST_REGIONS, max_attempts=1, read_timeout=8.0)

    # RDS's two readers there (instances, snapshots) each time out; nothing else does.
    assert {(e.scope, e.types) for e in collection.errors} == {
        (f"aws:{ACCOUNT}:eu-west-1", ("database.instance",)),
        (f"aws:{ACCOUNT}:eu-west-1", ("backup.snapshot",)),
    }
    assert any(
        "rds DescribeDBInstances failed in eu-west-1: ReadTimeoutError" in e.message
        for e in collection.errors
    )
    lost = {k for k in keys(baseline) if k[1] == f"aws:{ACCOUNT}:eu-west-1" and ":rds:" in k[3]}
    assert len(lost) == 3  # the eu-west-1 database and its two snapshots
    assert keys(collection) == keys(baseline) - lost


def test_one_unreadable_bucket_does_not_hide_the_others(proxy: AwsFaultProxy, baseline: Collection) -> None:
    # Only the bucket homed in eu-west-1 is read there; the listing happens in us-east-1.
    proxy.add("s3", "eu-west-1", "error")

    collection = run_collector(TEST_REGIONS, max_attempts=1)

    error = only_error(collection)
    assert (error.scope, error.service) == (f"aws:{ACCOUNT}:global", "s3")
    assert error.message == (
        "s3 GetBucketEncryption failed in eu-west-1: InternalError: We encountered an internal error"
        f" (arn:aws:s3:::{BUCKET_SECURE})"
    )
    assert keys(collection) == keys(baseline) - {
        ("aws", f"aws:{ACCOUNT}:global", "storage.bucket", f"arn:aws:s3:::{BUCKET_SECURE}")
    }


def test_without_an_identity_nothing_is_read(proxy: AwsFaultProxy) -> None:
    proxy.add("sts", None, "error")

    collection = run_collector(TEST_REGIONS, max_attempts=1)

    error = only_error(collection)
    assert (error.scope, error.service) == ("aws", "sts")
    assert "crypto.key" in error.types and "identity.user" in error.types
    assert collection.observations == []
    assert [s.error for s in collection.scopes] == [error.message]


def test_without_the_region_list_the_global_scope_is_still_read(
    proxy: AwsFaultProxy, baseline: Collection
) -> None:
    proxy.add("ec2", "us-east-1", "error")

    collection = run_collector(None, max_attempts=1)  # every enabled region: DescribeRegions fails

    error = only_error(collection)
    assert (error.scope, error.service) == (f"aws:{ACCOUNT}", "ec2")
    assert "compute.volume" in error.types and "identity.user" not in error.types
    assert keys(collection) == {k for k in keys(baseline) if k[1] == f"aws:{ACCOUNT}:global"}
