"""Systems Manager patch compliance as `compute.patch_state`, read by boto3 from moto's
server (its SSM taught the three patch operations by `emulators/ssm_patching.py`), and
`patch-security-current`'s verdicts on patched, lagging and never-scanned instances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from evidra.emulators.ssm_patching import seed
from tests.collectors.aws.aws_support import run_collector
from tests.collectors.patching_support import patch_verdicts

ACCOUNT = "123456789012"
REGION = "us-east-1"
NOW = datetime.now(UTC).replace(microsecond=0)


def _at(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat()


def _node(instance: str, index: int) -> dict[str, Any]:
    return {
        "InstanceId": instance, "PingStatus": "Online", "LastPingDateTime": _at(0),
        "PlatformType": "Linux", "PlatformName": "Ubuntu", "PlatformVersion": "22.04",
        "ResourceType": "EC2Instance", "ComputerName": f"node-{index}",
    }  # fmt: skip


def _state(
    instance: str, *, scanned: float = 1, critical: int = 0, security: int = 0, other: int = 0
) -> dict[str, Any]:
    return {
        "InstanceId": instance, "BaselineId": "pb-0c10e65780EXAMPLE", "Operation": "Scan",
        "OperationStartTime": _at(scanned + 0.01), "OperationEndTime": _at(scanned),
        "InstalledCount": 300, "MissingCount": max(critical, security) + other, "FailedCount": 0,
        "CriticalNonCompliantCount": critical, "SecurityNonCompliantCount": security,
        "OtherNonCompliantCount": other,
    }  # fmt: skip


def _verdict(
    instance: str, status: str, severity: str = "UNSPECIFIED", kind: str = "Patch"
) -> dict[str, Any]:
    """Systems Manager's compliance summary of an instance (ResourceComplianceSummaryItem)."""
    return {
        "ComplianceType": kind, "ResourceType": "ManagedInstance", "ResourceId": instance,
        "Status": status, "OverallSeverity": severity,
        "ExecutionSummary": {"ExecutionTime": _at(1), "ExecutionType": "Command"},
        "CompliantSummary": {"CompliantCount": 300}, "NonCompliantSummary": {"NonCompliantCount": 0},
    }  # fmt: skip


def _patch(title: str, state: str = "MISSING") -> dict[str, Any]:
    return {
        "Title": title, "KBId": f"{title}.x86_64", "Classification": "Security", "Severity": "Critical",
        "State": state, "InstalledTime": "1970-01-01T00:00:00+00:00", "CVEIds": "CVE-2024-5535",
    }  # fmt: skip


@pytest.fixture
def fleet(moto_reset: str) -> list[str]:
    """57 EC2 instances, 55 of them managed (two batches of ids for
    DescribeInstancePatchStates): 0 patched, 1 missing a critical security patch, 2 scanned
    long ago, 3 missing only other updates, 4..54 never scanned; 55 outside Systems
    Manager; 56 managed but stopped. Returns their ids."""
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.register_image(Name="base", RootDeviceName="/dev/xvda", VirtualizationType="hvm")["ImageId"]
    made = ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=57, MaxCount=57)["Instances"]
    ids = [i["InstanceId"] for i in made]
    ec2.create_tags(Resources=[ids[55]], Tags=[{"Key": "Name", "Value": "unmanaged"}])
    ec2.stop_instances(InstanceIds=[ids[56]])
    patches = [_patch(f"openssl-{n}") for n in range(12)] + [_patch("zlib", "INSTALLED")]
    seed(
        moto_reset, ACCOUNT, REGION,
        instances=[_node(ids[i], i) for i in (*range(55), 56)],
        patch_states=[
            _state(ids[0]), _state(ids[1], critical=1, security=12), _state(ids[2], scanned=20),
            _state(ids[3], other=4), _state(ids[56], scanned=40),
        ],
        patches={ids[1]: patches},
        compliance=[
            _verdict(ids[0], "COMPLIANT"), _verdict(ids[1], "NON_COMPLIANT", "CRITICAL"),
            _verdict(ids[2], "COMPLIANT"), _verdict(ids[3], "NON_COMPLIANT", "MEDIUM"),
            _verdict(ids[9], "NON_COMPLIANT", "HIGH", kind="Association"),
        ],
    )  # fmt: skip
    return ids


def test_patch_states_and_their_verdicts(fleet: list[str]) -> None:
    made: list[str] = []
    session = boto3.Session()
    session.events.register("before-call.ssm.*", lambda model, **_: made.append(model.name))

    collection = run_collector([REGION], boto_session=session)

    assert collection.errors == []
    states = {o.name: o for o in collection.observations if o.type == "compute.patch_state"}
    # The running managed instances and the running unmanaged one; the stopped one is left out.
    assert len(states) == 56 and "node-56" not in states
    lagging = states["node-1"]
    assert lagging.id == f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{fleet[1]}"
    assert lagging.attributes | {"last_assessed": None} == {
        "instance": fleet[1], "source": "ssm", "os": "Ubuntu 22.04", "assessed": True,
        "last_assessed": None, "compliance": "NON_COMPLIANT", "missing_critical": 1, "missing_security": 12,
        "missing_other": 0, "oldest_missing_critical": None, "oldest_missing_security": None,
        "region": REGION,
    }  # fmt: skip
    # The missing patches are the evidence, across DescribeInstancePatches' pages (10 a page).
    assert [p["Title"] for p in lagging.raw["DescribeInstancePatches"]] == [f"openssl-{n}" for n in range(12)]
    assert states["node-0"].attributes["compliance"] == "COMPLIANT"
    assert states["node-9"].attributes["assessed"] is False
    assert states["node-9"].attributes["compliance"] is None  # an association's verdict is not patching's
    # One listing (6 pages of 10), two batches of patch states, the patches of the one
    # instance missing security updates only.
    assert made.count("DescribeInstanceInformation") == 6
    assert made.count("DescribeInstancePatchStates") == 2
    assert made.count("DescribeInstancePatches") == 2  # two pages
    assert made.count("ListResourceComplianceSummaries") == 1

    verdicts = patch_verdicts(collection, NOW)
    assert verdicts["node-0"][0] == "pass"
    assert verdicts["node-3"][0] == "pass"  # only non-security updates missing
    assert verdicts["node-1"] == ("fail", "1 critical patches missing, the oldest since not set")
    assert verdicts["node-2"][0] == "fail" and "more than 7 days ago" in verdicts["node-2"][1]
    assert verdicts["node-9"] == ("fail", "never assessed by ssm")
    assert verdicts["unmanaged"] == ("fail", "never assessed by ssm")


def test_throttling_is_retried_then_an_error_for_patch_states_only(
    fleet: list[str], moto_endpoint: str
) -> None:
    seed(moto_endpoint, ACCOUNT, REGION, throttle=1)  # one throttled answer: botocore retries it
    assert run_collector([REGION]).errors == []

    seed(moto_endpoint, ACCOUNT, REGION, throttle=100)
    collection = run_collector([REGION], max_attempts=2)

    assert [(e.service, e.types) for e in collection.errors] == [("ssm", ("compute.patch_state",))]
    assert "ThrottlingException" in collection.errors[0].message
    assert not [o for o in collection.observations if o.type == "compute.patch_state"]
    assert any(o.type == "account" for o in collection.observations)  # the rest was read


def test_the_fake_refuses_what_aws_refuses(fleet: list[str]) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    with pytest.raises(ClientError) as too_many:
        ssm.describe_instance_patch_states(InstanceIds=[f"i-{i:017x}" for i in range(51)])
    assert too_many.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as unknown:
        ssm.describe_instance_patches(InstanceId="i-0123456789abcdef0")
    assert unknown.value.response["Error"]["Code"] == "InvalidInstanceId"
