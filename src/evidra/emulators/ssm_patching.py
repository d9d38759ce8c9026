"""Systems Manager's managed instances and patch compliance, answered inside moto's server
(moto 5.2's SSM has none of the three operations; emulator tuning, nothing of evidra's is
touched). Applied by `moto_fidelity.apply`, so wherever evidra starts moto.

The operations speak AWS JSON 1.1 (`X-Amz-Target: AmazonSSM.<Operation>`, botocore's
`ssm-2014-11-06` model: `jsonVersion 1.1`, `targetPrefix AmazonSSM`); moto's dispatcher
routes the target to the method of the same name, and its IAM enforcement checks
`ssm:<Operation>` like any other call. Shapes, from the SSM API reference and botocore's
model (`service-2.json`):

- `DescribeInstanceInformation`: `MaxResults` 5..50, `NextToken`; answers
  `InstanceInformationList` of `InstanceInformation` (InstanceId, PingStatus,
  LastPingDateTime, PlatformType, PlatformName, PlatformVersion, ResourceType,
  ComputerName ...).
- `DescribeInstancePatchStates`: `InstanceIds` (required, at most 50), `MaxResults`
  10..100; answers `InstancePatchStates` of `InstancePatchState` (InstanceId, BaselineId,
  Operation Scan|Install, OperationStartTime, OperationEndTime, InstalledCount,
  MissingCount, FailedCount, CriticalNonCompliantCount, SecurityNonCompliantCount,
  OtherNonCompliantCount ...). An instance never scanned has no state: it is left out.
- `DescribeInstancePatches`: `InstanceId` (required, `^i-(\\w{8}|\\w{17})$|^mi-\\w{17}$`),
  `Filters` (PatchOrchestratorFilter: Key Classification | KBId | Severity | State, at
  most 5), `MaxResults` 10..100; answers `Patches` of `PatchComplianceData` (Title, KBId,
  Classification, Severity, State, InstalledTime, CVEIds). State values are the enum
  `PatchComplianceDataState` (INSTALLED, MISSING ...); the filter takes the user guide's
  spelling (`Missing`), compared case-insensitively here.
- `ListResourceComplianceSummaries`: `Filters` (ComplianceStringFilter: Key, Values, Type
  EQUAL | NOT_EQUAL ...; EQUAL and NOT_EQUAL on the item's top-level fields here, e.g.
  `ComplianceType` = `Patch`), `MaxResults` 1..50; answers `ResourceComplianceSummaryItems`
  of `ResourceComplianceSummaryItem` (ComplianceType, ResourceType, ResourceId, Status
  COMPLIANT | NON_COMPLIANT, OverallSeverity, ExecutionSummary {ExecutionTime, ExecutionId,
  ExecutionType}, CompliantSummary, NonCompliantSummary): Systems Manager's own verdict.

Timestamps travel as epoch seconds (the JSON protocol's `timestamp`). A request outside
the ranges above answers `ValidationException`; an unknown instance id to
DescribeInstancePatches answers `InvalidInstanceId`. Paging is real: `NextToken` is an
opaque offset, and a page holds `MaxResults` items (AWS does not document the default
page size; 10 here, so that tests cross pages).

Seeding and faults (AWS's data comes from the SSM agent, which no API call imitates):
`POST /moto-api/static/ssm/patching` with JSON `{"account_id", "region", "instances":
[InstanceInformation], "patch_states": [InstancePatchState], "patches": {instance id:
[PatchComplianceData]}, "compliance": [ResourceComplianceSummaryItem], "throttle": N}` (times
as ISO 8601); `throttle` makes the next N
patch-compliance calls in that region answer HTTP 400 `ThrottlingException: Rate
exceeded`, as SSM throttles.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

PAGE = 10
_INSTANCE_ID = re.compile(r"^(i-(\w{8}|\w{17})|mi-\w{17})$")
_TIMES = frozenset(
    {
        "LastPingDateTime",
        "RegistrationDate",
        "OperationStartTime",
        "OperationEndTime",
        "LastNoRebootInstallOperationTime",
        "InstalledTime",
        "LastAssociationExecutionDate",
        "LastSuccessfulAssociationExecutionDate",
        "ExecutionTime",
    }
)
_applied = False


def apply() -> None:
    """Add the operations to moto's SSM and the seeding path to its /moto-api (idempotent)."""
    global _applied
    if _applied:
        return
    from moto.moto_api._internal import urls
    from moto.ssm.responses import SimpleSystemManagerResponse as Ssm

    Ssm.describe_instance_information = _describe_instance_information  # type: ignore[attr-defined]
    Ssm.describe_instance_patch_states = _describe_instance_patch_states  # type: ignore[attr-defined]
    Ssm.describe_instance_patches = _describe_instance_patches  # type: ignore[attr-defined]
    Ssm.list_resource_compliance_summaries = _list_resource_compliance_summaries  # type: ignore[attr-defined]
    urls.url_paths["{0}/moto-api/static/ssm/patching"] = _seed
    _applied = True


def _store(backend: Any) -> dict[str, Any]:
    # Kept on moto's backend object, so moto's reset forgets it with everything else.
    if not hasattr(backend, "evidra_patching"):
        backend.evidra_patching = {
            "instances": [],
            "states": {},
            "patches": {},
            "compliance": [],
            "throttle": 0,
        }
    store: dict[str, Any] = backend.evidra_patching
    return store


def _seed(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    from moto.ssm.models import ssm_backends

    size = int(headers.get("Content-Length") or 0)
    body = json.loads(request.environ["wsgi.input"].read(size).decode("utf-8") or "{}")
    store = _store(ssm_backends[body.get("account_id", "123456789012")][body.get("region", "us-east-1")])
    store["instances"].extend(_epoch(i) for i in body.get("instances", []))
    store["states"].update({s["InstanceId"]: _epoch(s) for s in body.get("patch_states", [])})
    for instance, patches in (body.get("patches") or {}).items():
        store["patches"][instance] = [_epoch(p) for p in patches]
    store["compliance"].extend(_epoch(c) for c in body.get("compliance", []))
    store["throttle"] = int(body.get("throttle", store["throttle"]))
    return 201, {}, ""


def _epoch(item: dict[str, Any]) -> dict[str, Any]:
    return {
        k: datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
        if k in _TIMES
        else _epoch(v)
        if isinstance(v, dict)
        else v
        for k, v in item.items()
    }


def _invalid(message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("ValidationException", message)


def _checked_store(self: Any) -> dict[str, Any]:
    from moto.core.exceptions import JsonRESTError

    store = _store(self.ssm_backend)
    if store["throttle"] > 0:
        store["throttle"] -= 1
        raise JsonRESTError("ThrottlingException", "Rate exceeded")
    return store


def _page(self: Any, items: list[Any], key: str, low: int, high: int) -> str:
    size = self._get_param("MaxResults") or PAGE
    if not low <= int(size) <= high:
        raise _invalid(
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value between {low} and {high}"
        )
    token = self._get_param("NextToken")
    start = int(token) if token and str(token).isdigit() else 0
    answer: dict[str, Any] = {key: items[start : start + int(size)]}
    if start + int(size) < len(items):
        answer["NextToken"] = str(start + int(size))
    return json.dumps(answer)


def _describe_instance_information(self: Any) -> str:
    store = _checked_store(self)
    return _page(self, list(store["instances"]), "InstanceInformationList", 5, 50)


def _describe_instance_patch_states(self: Any) -> str:
    store = _checked_store(self)
    ids = self._get_param("InstanceIds")
    if not ids or len(ids) > 50:
        raise _invalid(
            "1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: "
            "Member must have length less than or equal to 50 and greater than or equal to 1"
        )
    states = [store["states"][i] for i in ids if i in store["states"]]
    return _page(self, states, "InstancePatchStates", 10, 100)


def _describe_instance_patches(self: Any) -> str:
    from moto.core.exceptions import JsonRESTError

    store = _checked_store(self)
    instance = str(self._get_param("InstanceId") or "")
    if not _INSTANCE_ID.match(instance):
        raise _invalid(
            f"1 validation error detected: Value '{instance}' at 'instanceId' failed to satisfy constraint"
        )
    if instance not in {i["InstanceId"] for i in store["instances"]}:
        raise JsonRESTError("InvalidInstanceId", f"Instance Id {instance} is not valid")
    filters = self._get_param("Filters") or []
    if len(filters) > 5:
        raise _invalid("1 validation error detected: Value at 'filters' failed to satisfy constraint")
    patches = [
        p
        for p in store["patches"].get(instance, [])
        if all(
            str(p.get(f["Key"], "")).replace("_", "").lower() in {v.lower() for v in f.get("Values", [])}
            for f in filters
        )
    ]
    return _page(self, patches, "Patches", 10, 100)


def _list_resource_compliance_summaries(self: Any) -> str:
    store = _checked_store(self)
    filters = self._get_param("Filters") or []

    def kept(item: dict[str, Any]) -> bool:
        for f in filters:
            if f.get("Type", "EQUAL") not in ("EQUAL", "NOT_EQUAL"):
                raise _invalid(f"evidra's fake compares with EQUAL and NOT_EQUAL only, not {f.get('Type')}")
            equal = str(item.get(f["Key"])) in f.get("Values", [])
            if equal != (f.get("Type", "EQUAL") == "EQUAL"):
                return False
        return True

    return _page(self, [c for c in store["compliance"] if kept(c)], "ResourceComplianceSummaryItems", 1, 50)


def seed(endpoint: str, account: str, region: str, **body: Any) -> None:
    """Seed one region of the server at `endpoint` (see the module's docstring for `body`)."""
    import urllib.request

    if not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"not an emulator endpoint: {endpoint!r}")
    request = urllib.request.Request(  # noqa: S310 - http(s) checked above
        f"{endpoint}/moto-api/static/ssm/patching",
        data=json.dumps({"account_id": account, "region": region, **body}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        response.read()
