"""Inspector: which of the region's scannable resources (EC2 instances, ECR repositories,
Lambda functions) a vulnerability scanner covers, as `vuln.scan_coverage`.

The inventory is read here (DescribeInstances, DescribeRepositories, ListFunctions) and
joined with Inspector's own list (ListCoverage): a resource Inspector does not list, or
lists as INACTIVE (stopped, excluded by tag, unmanaged ...), is uncovered, named with the
reason. Continuous scanning (status ACTIVE) is what the monthly-scan requirement accepts.
The last scan time is left out of the snapshot: it moves with every scan, and would make
the evidence grow with time rather than change.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.model import ApiCall, Observation

SCANNER = "inspector2"
_KINDS = {
    "AWS_EC2_INSTANCE": "compute_instance",
    "AWS_ECR_REPOSITORY": "container_repository",
    "AWS_LAMBDA_FUNCTION": "function",
}


@READERS.reader("inspector2.coverage", service="inspector2", types=("vuln.scan_coverage",), plane=REGIONAL)
def read_scan_coverage(ctx: Context) -> list[Observation]:
    listed, coverage_call = ctx.items("inspector2", "ListCoverage", "coveredResources")
    # Inspector names an instance by its id, a repository or function by ARN or name.
    coverage: dict[str, dict[str, Any]] = {}
    for item in listed:
        if isinstance(item, dict) and item.get("resourceType") in _KINDS:
            kept = {k: v for k, v in item.items() if k != "lastScannedAt"}
            metadata = item.get("resourceMetadata") or {}
            names = [
                item.get("resourceId"),
                (metadata.get("ecrRepository") or {}).get("name"),
                (metadata.get("lambdaFunction") or {}).get("functionName"),
            ]
            coverage.update({str(name): kept for name in names if name})
    # Each observation's provenance is the whole join: the three listings and the coverage.
    reservations, instances_call = ctx.items("ec2", "DescribeInstances", "Reservations")
    repositories, repositories_call = ctx.items("ecr", "DescribeRepositories", "repositories")
    functions, functions_call = ctx.items("lambda", "ListFunctions", "Functions")
    calls = [instances_call, repositories_call, functions_call, coverage_call]
    observations: list[Observation] = []
    for reservation in reservations:
        for instance in reservation.get("Instances") or []:
            if (instance.get("State") or {}).get("Name") in ("terminated", "shutting-down"):
                continue
            tags = {t.get("Key"): t.get("Value") for t in instance.get("Tags") or []}
            arn = ctx.arn("ec2", f"instance/{instance['InstanceId']}", region=ctx.region)
            inventory = {k: instance.get(k) for k in ("InstanceId", "ImageId", "Platform", "State", "Tags")}
            found = coverage.get(instance["InstanceId"]) or coverage.get(arn)
            observations.append(
                _observe(
                    ctx,
                    "compute_instance",
                    arn,
                    tags.get("Name") or instance["InstanceId"],
                    found,
                    {"DescribeInstances": inventory},
                    calls,
                )
            )
    for repo in repositories:
        found = coverage.get(repo["repositoryArn"]) or coverage.get(repo["repositoryName"])
        observations.append(
            _observe(
                ctx,
                "container_repository",
                repo["repositoryArn"],
                repo["repositoryName"],
                found,
                {"DescribeRepositories": repo},
                calls,
            )
        )
    for function in functions:
        found = coverage.get(function["FunctionArn"]) or coverage.get(function["FunctionName"])
        inventory = {k: function.get(k) for k in ("FunctionName", "FunctionArn", "Runtime", "PackageType")}
        observations.append(
            _observe(
                ctx,
                "function",
                function["FunctionArn"],
                function["FunctionName"],
                found,
                {"ListFunctions": inventory},
                calls,
            )
        )
    return observations


def _observe(
    ctx: Context,
    kind: str,
    arn: str,
    name: str,
    covered: dict[str, Any] | None,
    raw: dict[str, Any],
    calls: list[ApiCall],
) -> Observation:
    status = (covered or {}).get("scanStatus") or {}
    code, reason = status.get("statusCode"), status.get("reason")
    return ctx.observe(
        "vuln.scan_coverage",
        arn,
        name=name,
        attributes={
            "kind": kind,
            "covered": code == "ACTIVE",
            "scanner": SCANNER if covered else None,
            "scan_status": f"{code}/{reason}" if covered else None,
            "region": ctx.region,
        },
        raw={**raw, "ListCoverage": covered},
        calls=calls,
    )
