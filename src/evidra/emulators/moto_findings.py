"""Operations moto lacks that evidra's vulnerability evidence reads, added to its server
(emulator tuning, applied by `moto_fidelity.apply`; nothing of evidra's is touched).

- **Security Hub finding history.** `BatchUpdateFindings` (PATCH /findings/batchupdate)
  changes a finding's Workflow and Note the way a reviewer does, leaving `UpdatedAt`
  alone (Security Hub API reference, BatchUpdateFindings: "Updates from
  BatchUpdateFindings don't affect the value of UpdatedAt for a finding"), and records
  the change; `GetFindingHistory` (POST /findingHistory/get) answers those records
  (API reference, FindingHistoryRecord: FindingIdentifier, UpdateTime, FindingCreated,
  UpdateSource {Type: BATCH_UPDATE_FINDINGS, Identity}, Updates [{UpdatedField,
  OldValue, NewValue}], paged by NextToken) from StartTime. The field is named by its
  ASFF path (`Workflow.Status`).
- **Inspector's coverage.** `ListCoverage` (POST /coverage/list; Inspector2 API
  reference, ListCoverage and CoveredResource: resourceType, resourceId, accountId,
  scanType, scanStatus {statusCode ACTIVE|INACTIVE, reason}, resourceMetadata) lists
  what Inspector scans in the region: for each resource type the account enabled
  (`Enable` resourceTypes EC2, ECR, LAMBDA), the EC2 instances (by instance id; a
  stopped one INACTIVE `EC2_INSTANCE_STOPPED`, one tagged `InspectorEc2Exclusion`
  INACTIVE `EXCLUDED_BY_TAG`, as the user guide's exclusion tag does), ECR repositories
  (by ARN, `resourceMetadata.ecrRepository`) and Lambda functions (by ARN). A type not
  enabled is not listed: Inspector does not know those resources.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

PAGE = 100
EXCLUSION_TAG = "InspectorEc2Exclusion"


def apply() -> None:
    _finding_history()
    _coverage()


def _page(
    items: list[dict[str, Any]], token: str | None, size: int
) -> tuple[list[dict[str, Any]], str | None]:
    start = int(token or 0)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _finding_history() -> None:
    from moto.securityhub import urls
    from moto.securityhub.responses import SecurityHubResponse

    urls.url_paths["{0}/findings/batchupdate$"] = SecurityHubResponse.dispatch
    urls.url_paths["{0}/findingHistory/get$"] = SecurityHubResponse.dispatch

    def history(backend: Any) -> dict[str, list[dict[str, Any]]]:
        if not hasattr(backend, "evidra_history"):
            backend.evidra_history = {}
        return backend.evidra_history

    def batch_update_findings(self: Any) -> str:
        backend = self.securityhub_backend
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        done, missed = [], []
        for identifier in self._get_param("FindingIdentifiers") or []:
            finding = next((f for f in backend.findings if f.id == identifier.get("Id")), None)
            if finding is None:
                missed.append(
                    {
                        "FindingIdentifier": identifier,
                        "ErrorCode": "FindingNotFound",
                        "ErrorMessage": "Finding not found",
                    }
                )
                continue
            updates = []
            workflow = self._get_param("Workflow")
            if workflow and workflow.get("Status"):
                old = (finding.data.get("Workflow") or {}).get("Status", "NEW")
                finding.data["Workflow"] = {"Status": workflow["Status"]}
                updates.append(
                    {"UpdatedField": "Workflow.Status", "OldValue": old, "NewValue": workflow["Status"]}
                )
            note = self._get_param("Note")
            if note:
                finding.data["Note"] = {**note, "UpdatedAt": now}
                updates.append({"UpdatedField": "Note.Text", "NewValue": note.get("Text", "")})
            history(backend).setdefault(finding.id, []).append(
                {
                    "FindingIdentifier": identifier,
                    "UpdateTime": now,
                    "FindingCreated": False,
                    "UpdateSource": {
                        "Type": "BATCH_UPDATE_FINDINGS",
                        "Identity": f"arn:aws:iam::{backend.account_id}:root",
                    },
                    "Updates": updates,
                }
            )
            done.append(identifier)
        return json.dumps({"ProcessedFindings": done, "UnprocessedFindings": missed})

    def get_finding_history(self: Any) -> str:
        identifier = self._get_param("FindingIdentifier") or {}
        start = self._get_param("StartTime")  # JSON bodies carry timestamps as epoch seconds
        if isinstance(start, int | float):
            start = datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        records = [
            r
            for r in history(self.securityhub_backend).get(str(identifier.get("Id")), [])
            if not start or r["UpdateTime"] >= str(start)
        ]
        page, token = _page(records, self._get_param("NextToken"), int(self._get_param("MaxResults") or PAGE))
        return json.dumps({"Records": page, **({"NextToken": token} if token else {})})

    SecurityHubResponse.batch_update_findings = batch_update_findings  # type: ignore[attr-defined]
    SecurityHubResponse.get_finding_history = get_finding_history  # type: ignore[attr-defined]


def _coverage() -> None:
    from moto.inspector2 import urls
    from moto.inspector2.responses import Inspector2Response

    urls.url_paths["{0}/coverage/list$"] = Inspector2Response.dispatch

    def list_coverage(self: Any) -> str:
        account, region = self.current_account, self.region
        try:
            status = self.inspector2_backend.account_status.get(account)
        except KeyError:  # moto has no Inspector backend for the newest regions: nothing enabled there
            status = None
        covered: list[dict[str, Any]] = []
        if status is not None:
            if status.ec2 == "ENABLED":
                covered += _instances(account, region)
            if status.ecr == "ENABLED":
                covered += _repositories(account, region)
            if status._lambda == "ENABLED":
                covered += _functions(account, region)
        page, token = _page(covered, self._get_param("nextToken"), int(self._get_param("maxResults") or 200))
        return json.dumps({"coveredResources": page, **({"nextToken": token} if token else {})})

    Inspector2Response.list_coverage = list_coverage  # type: ignore[attr-defined]


def _covered(
    kind: str, resource_id: str, account: str, scan_type: str, reason: str, metadata: dict[str, Any]
) -> dict[str, Any]:
    return {
        "resourceType": kind,
        "resourceId": resource_id,
        "accountId": account,
        "scanType": scan_type,
        "scanStatus": {"statusCode": "ACTIVE" if reason == "SUCCESSFUL" else "INACTIVE", "reason": reason},
        "resourceMetadata": metadata,
        "lastScannedAt": datetime.now(UTC).timestamp(),
    }


def _instances(account: str, region: str) -> list[dict[str, Any]]:
    from moto.ec2.models import ec2_backends

    found = []
    for reservation in ec2_backends[account][region].reservations.values():
        for instance in reservation.instances:
            if instance.state == "terminated":
                continue
            tags = {t["key"]: t["value"] for t in instance.get_tags()}
            reason = (
                "EXCLUDED_BY_TAG"
                if EXCLUSION_TAG in tags
                else "EC2_INSTANCE_STOPPED"
                if instance.state == "stopped"
                else "SUCCESSFUL"
            )
            metadata = {"ec2": {"tags": tags, "amiId": instance.image_id, "platform": "LINUX"}}
            found.append(_covered("AWS_EC2_INSTANCE", instance.id, account, "PACKAGE", reason, metadata))
    return found


def _repositories(account: str, region: str) -> list[dict[str, Any]]:
    from moto.ecr.models import ecr_backends

    return [
        _covered(
            "AWS_ECR_REPOSITORY",
            repo.arn,
            account,
            "PACKAGE",
            "SUCCESSFUL",
            {"ecrRepository": {"name": repo.name, "scanFrequency": "CONTINUOUS_SCAN"}},
        )
        for repo in ecr_backends[account][region].repositories.values()
    ]


def _functions(account: str, region: str) -> list[dict[str, Any]]:
    from moto.awslambda.models import lambda_backends

    return [
        _covered(
            "AWS_LAMBDA_FUNCTION",
            fn.function_arn,
            account,
            "PACKAGE",
            "SUCCESSFUL",
            {"lambdaFunction": {"functionName": fn.function_name, "runtime": fn.run_time}},
        )
        for fn in lambda_backends[account][region].list_functions()
    ]
