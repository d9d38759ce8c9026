"""Vulnerability evidence beyond the findings' lifetimes, on moto's server: when a finding
was reviewed (Security Hub's finding history), that an open finding is stored once over
many runs, and which instances, repositories and functions Inspector scans."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

import boto3

from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.evidence_store.store import EvidenceStore, RunRecord
from evidra.model import Collection
from tests.collectors.aws.aws_support import of_type, run_collector
from tests.collectors.aws.test_aws_findings import ACCOUNT, NOW, REGION, asff

TRIAGE = ["vuln-triage-deadline", "vuln-remediation-critical"]


def _hub(*findings: dict) -> object:
    hub = boto3.client("securityhub", region_name=REGION)
    hub.enable_security_hub()
    assert hub.batch_import_findings(Findings=list(findings))["FailedCount"] == 0
    return hub


def _review(hub: object, finding: dict, status: str = "NOTIFIED") -> None:
    identifier = {"Id": finding["Id"], "ProductArn": finding["ProductArn"]}
    answer = hub.batch_update_findings(FindingIdentifiers=[identifier], Workflow={"Status": status})  # type: ignore[attr-defined]
    assert answer["UnprocessedFindings"] == []


def _findings(collection: Collection) -> dict[str, dict]:
    return {o.name.split(" ")[0]: o.attributes for o in of_type(collection, "vuln.finding").values()}


def test_review_time_from_the_finding_history(moto_reset: str) -> None:
    fresh, stale, prompt, late, ancient = (
        asff("CVE-fresh", "CRITICAL", first=1 / 24),  # not reviewed, not due yet
        asff("CVE-stale", "CRITICAL", first=10),  # not reviewed, overdue
        asff("CVE-prompt", "CRITICAL", first=2 / 24),
        asff("CVE-late", "CRITICAL", first=10),
        asff("CVE-ancient", "LOW", first=100, workflow="NOTIFIED"),  # beyond the 90-day history
    )
    hub = _hub(fresh, stale, prompt, late, ancient)
    _review(hub, prompt)
    _review(hub, late, "SUPPRESSED")
    collection = run_collector([REGION])
    assert collection.errors == []
    seen = _findings(collection)
    assert seen["CVE-fresh"]["triaged_at"] is None and seen["CVE-stale"]["triaged_at"] is None
    assert seen["CVE-prompt"]["triaged_at"] >= NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert seen["CVE-late"]["triaged_at"] is not None
    assert "90 days" in seen["CVE-ancient"]["unreadable"]["triaged_at"]
    calls = {c.operation for o in collection.observations if o.type == "vuln.finding" for c in o.calls}
    assert "GetFindingHistory" in calls

    names = {o.id: o.name.split(" ")[0] for o in collection.observations}
    results = evaluate(select(TRIAGE), collection, default_parameters(), NOW + timedelta(minutes=5))
    triage = {names[r.resource.id]: r.status.value for r in results if r.control == "vuln-triage-deadline"}
    # Weekends count nothing, so an hour-old finding passes whatever the day.
    assert triage == {"CVE-fresh": "pass", "CVE-stale": "fail", "CVE-prompt": "pass", "CVE-late": "fail"}


def test_an_open_finding_is_stored_once_over_many_runs(moto_reset: str, tmp_path: Path) -> None:
    _hub(asff("CVE-open", "CRITICAL", first=1), asff("CVE-other", "HIGH", first=2))
    with EvidenceStore.open(f"sqlite:///{tmp_path / 'e.db'}") as store:
        for day in range(5):  # daily runs: the finding ages, its evidence does not change
            collection = run_collector([REGION])
            findings = Collection()
            findings.observations.extend(o for o in collection.observations if o.type == "vuln.finding")
            at = NOW + timedelta(days=day)
            parameters = default_parameters()
            results = evaluate(select(TRIAGE[1:]), findings, parameters, at)
            assert [r.status.value for r in results] == ["pass"]  # critical, 1 to 5 days old
            store.record_run(
                RunRecord(str(uuid.uuid4()), at, at, "test", {"parameters": parameters}, findings, results)
            )
            if day == 0:
                first = store.stats()
        stats = store.stats()
    assert stats["runs"] == 5 and stats["observations"] == 10
    assert stats["observation_spans"] == 2  # one span per finding: nothing changed in five runs
    assert stats["snapshots"] == first["snapshots"]  # no new body after the first run
    assert stats["snapshot_bytes"] == first["snapshot_bytes"]
    assert stats["result_spans"] == 1  # and its verdict's reason did not move either


def _function(name: str) -> None:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": code.getvalue()},
    )  # fmt: skip


def test_scan_coverage_lists_what_inspector_does_not_scan(moto_reset: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.register_image(Name="base", RootDeviceName="/dev/sda1")["ImageId"]
    for name, tags in (("web", []), ("legacy", [{"Key": "InspectorEc2Exclusion", "Value": "true"}])):
        ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}, *tags]}],
        )  # fmt: skip
    boto3.client("ecr", region_name=REGION).create_repository(repositoryName="shop")
    _function("resize")
    inspector = boto3.client("inspector2", region_name=REGION)
    inspector.enable(accountIds=[ACCOUNT], resourceTypes=["EC2", "LAMBDA"])  # not ECR

    collection = run_collector([REGION])
    assert collection.errors == []
    seen = {name: o.attributes for name, o in of_type(collection, "vuln.scan_coverage").items()}
    assert {n: (a["kind"], a["covered"], a["scan_status"]) for n, a in seen.items()} == {
        "web": ("compute_instance", True, "ACTIVE/SUCCESSFUL"),
        "legacy": ("compute_instance", False, "INACTIVE/EXCLUDED_BY_TAG"),
        "shop": ("container_repository", False, None),
        "resize": ("function", True, "ACTIVE/SUCCESSFUL"),
    }
    names = {o.id: o.name for o in collection.observations}
    results = evaluate(select(["vuln-scan-coverage"]), collection, default_parameters(), NOW)
    verdicts = {names[r.resource.id]: (r.status.value, r.reason) for r in results}
    assert verdicts["web"][0] == verdicts["resize"][0] == "pass"
    assert verdicts["legacy"] == (
        "fail",
        "compute_instance not scanned: inspector2 reports INACTIVE/EXCLUDED_BY_TAG",
    )
    assert verdicts["shop"] == ("fail", "container_repository not known to any vulnerability scanner")
