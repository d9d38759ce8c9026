"""Security Hub's vulnerability findings as `vuln.finding` with their lifetimes, on moto's
server (BatchImportFindings seeds them in ASFF, GetFindings reads them back in pages), and
the remediation-deadline controls' verdicts on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from tests.collectors.aws.aws_support import of_type, run_collector
from tests.fakes.findings import EXPECTED, verdicts

ACCOUNT = "123456789012"
REGION = "us-east-1"
NOW = datetime.now(UTC).replace(microsecond=0)
CVE = "Software and Configuration Checks/Vulnerabilities/CVE"


def _at(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _z(days_ago: float) -> str:
    return _at(days_ago).replace(".000", "")


def asff(
    id_: str,
    severity: str,
    first: float,
    *,
    updated: float = 0,
    record: str = "ACTIVE",
    workflow: str = "NEW",
    note: dict[str, str] | None = None,
    types: str = CVE,
) -> dict[str, Any]:
    finding: dict[str, Any] = {
        "SchemaVersion": "2018-10-08",
        "Id": f"arn:aws:inspector2:{REGION}:{ACCOUNT}:finding/{id_}",
        "ProductArn": f"arn:aws:securityhub:{REGION}::product/aws/inspector",
        "ProductName": "Inspector",
        "GeneratorId": "AWSInspector",
        "AwsAccountId": ACCOUNT,
        "Region": REGION,
        "Types": [types],
        "CreatedAt": _at(first),
        "FirstObservedAt": _at(first),
        "LastObservedAt": _at(updated),
        "UpdatedAt": _at(updated),
        "Severity": {"Label": severity},
        "Title": f"{id_} - openssl",
        "Description": "A vulnerable package",
        "Resources": [{"Type": "AwsEc2Instance", "Id": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-{id_}"}],
        "RecordState": record,
        "Workflow": {"Status": workflow},
    }
    if note:
        finding["Note"] = note
    return finding


def test_findings_with_their_lifetimes_and_deadlines(moto_reset: str) -> None:
    hub = boto3.client("securityhub", region_name=REGION)
    hub.enable_security_hub()
    note = {"Text": "not reachable: internal only", "UpdatedBy": "secops@acme.example", "UpdatedAt": _at(1)}
    practice = "Software and Configuration Checks/AWS Security Best Practices"
    findings = [
        asff("CVE-1-open-in-time", "CRITICAL", first=3),
        asff("CVE-2-open-late", "CRITICAL", first=20),
        asff("CVE-3-fixed-in-time", "HIGH", first=40, updated=15, record="ARCHIVED"),
        asff("CVE-4-fixed-late", "HIGH", first=80, updated=10, workflow="RESOLVED"),
        asff("CVE-5-suppressed", "MEDIUM", first=30, workflow="SUPPRESSED", note=note),
        asff("CVE-6-suppressed-bare", "LOW", first=30, workflow="SUPPRESSED"),
        asff("config-check", "HIGH", first=5, types=practice),
    ]
    for start in range(0, len(findings), 100):
        assert hub.batch_import_findings(Findings=findings[start : start + 100])["FailedCount"] == 0

    collection = run_collector([REGION])
    assert collection.errors == []
    seen = {o.name.split(" ")[0]: o.attributes for o in of_type(collection, "vuln.finding").values()}
    assert sorted(seen) == [
        "CVE-1-open-in-time",
        "CVE-2-open-late",
        "CVE-3-fixed-in-time",
        "CVE-4-fixed-late",
        "CVE-5-suppressed",
        "CVE-6-suppressed-bare",
    ]  # the best-practice check is not a vulnerability
    fixed = seen["CVE-3-fixed-in-time"]
    assert fixed["state"] == "fixed" and (fixed["first_observed"], fixed["closed_at"]) == (_z(40), _z(15))
    assert seen["CVE-4-fixed-late"]["fixed_at"] == _at(10).replace(".000", "")
    assert seen["CVE-2-open-late"]["state"] == "open" and seen["CVE-2-open-late"]["closed_at"] is None
    assert seen["CVE-5-suppressed"]["dismissed_by"] == "secops@acme.example"

    # CVE-<n>-<population>: the populations every source's findings test shares.
    found = verdicts(collection.observations, NOW + timedelta(minutes=5), lambda o: o.name.split(" ")[0][6:])
    assert {k: found.get(k) for k in EXPECTED} == EXPECTED  # critical 7 days, high 30 (fixed after 25, 70)
    assert ("vuln-remediation-medium", "suppressed") not in found  # judged as an exception
    # Archived: the scanner's later scan closed it; RESOLVED by hand: no scan confirms it.
    assert (found[("vuln-fix-verified", "fixed-in-time")], found[("vuln-fix-verified", "fixed-late")]) == (
        "pass",
        "fail",
    )
    assert ("vuln-fix-verified", "open-late") not in found


def test_no_hub_no_findings_and_no_error(moto_reset: str) -> None:
    collection = run_collector([REGION])
    assert collection.errors == [] and of_type(collection, "vuln.finding") == {}
