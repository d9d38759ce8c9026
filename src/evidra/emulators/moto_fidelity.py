"""Where moto answers more kindly than AWS, made to answer as AWS does (emulator tuning,
applied to the moto server evidra's tests and demo run; nothing of evidra's is touched).

- **Organisation trails in member accounts.** AWS shows a member account the
  organisation's trail (owned by the management account) in `DescribeTrails` with
  `includeShadowTrails` (CloudTrail API reference, DescribeTrails: "shadow trails ...
  the replication of an organization trail in member accounts"), but `GetTrailStatus`
  and `GetEventSelectors` on it from the member answer `TrailNotFoundException:
  Unknown trail: <arn> for the user: <member>` (reported by turbot/steampipe-plugin-aws
  issue 577, mondoohq/mql PR 1185). moto shows a member no such trail at all.
- **Keys that cannot rotate.** AWS answers `GetKeyRotationStatus` on an asymmetric or
  HMAC key, a key with imported material or one in a custom key store with
  `UnsupportedOperationException` (KMS API reference, GetKeyRotationStatus: automatic
  rotation is supported only on symmetric encryption keys with key material KMS
  generated); moto answers `KeyRotationEnabled: false`.
- **Service-linked configuration recorders.** AWS Config lets another AWS service
  keep a recorder of its own in the account (Config API reference,
  PutServiceLinkedConfigurationRecorder; the ConfigurationRecorder shape carries its
  `servicePrincipal`, `arn` and `recordingScope`, and its name starts with
  `AWSConfigurationRecorderFor`). It records for that service, not for the customer,
  and does not count toward the one customer-managed recorder per region. moto has no
  such operation: it is added here, the recorder recording from the start; its
  recording group is the linked service's choice, modelled as every supported type
  (the case where mistaking it for the customer's own recording changes the verdict).
- **Parameter groups answer their engine defaults.** AWS's DescribeDBParameters lists
  every parameter of a group, those left at the engine's default included (`Source:
  engine-default`); moto lists only the ones a user set, and nothing for a default group.
  The parameters that decide whether a database refuses unencrypted connections are
  given their engine defaults here (RDS user guide: `rds.force_ssl` is 1 by default
  from PostgreSQL 15, 0 before and on SQL Server; MySQL and MariaDB's
  `require_secure_transport` is OFF by default).
- **Default event selectors.** A trail made without event selectors logs all read and
  write management events (CloudTrail API reference, EventSelector), so AWS answers
  `GetEventSelectors` with that selector; moto answers an empty list.
- **Patch compliance.** moto's SSM has no DescribeInstanceInformation,
  DescribeInstancePatchStates nor DescribeInstancePatches: `ssm_patching` adds them.
- **Operations moto lacks** for vulnerability evidence (Security Hub's finding history,
  Inspector's coverage): `moto_findings.py`.
"""

from __future__ import annotations

import json
from typing import Any

from evidra.emulators import ssm_patching

# What AWS answers GetEventSelectors for a trail created without selectors.
DEFAULT_EVENT_SELECTORS = [
    {
        "ReadWriteType": "All",
        "IncludeManagementEvents": True,
        "DataResources": [],
        "ExcludeManagementEventSources": [],
    }
]
_applied = False


def apply() -> None:
    """Patch moto's CloudTrail backend in this process (idempotent)."""
    global _applied
    if _applied:
        return
    from moto.cloudtrail import models
    from moto.cloudtrail.exceptions import TrailNotFoundException

    describe = models.CloudTrailBackend.describe_trails
    status = models.CloudTrailBackend.get_trail_status
    selectors = models.CloudTrailBackend.get_event_selectors

    def describe_trails(self: Any, include_shadow_trails: bool) -> list[Any]:
        trails = list(describe(self, include_shadow_trails))
        if include_shadow_trails:
            trails += _organization_trails(self.account_id, self.region_name)
        return trails

    def refuse_foreign(self: Any, name: str) -> None:
        if name.startswith("arn:") and name.split(":")[4] != self.account_id:
            raise TrailNotFoundException(account_id=self.account_id, name=name)

    def get_trail_status(self: Any, name: str) -> Any:
        refuse_foreign(self, name)
        return status(self, name)

    def get_event_selectors(self: Any, trail_name: str) -> Any:
        refuse_foreign(self, trail_name)
        arn, basic, advanced = selectors(self, trail_name)
        if not basic and not advanced:
            basic = [dict(s) for s in DEFAULT_EVENT_SELECTORS]
        return arn, basic, advanced

    from evidra.emulators import moto_findings

    moto_findings.apply()  # Security Hub's finding history, Inspector's coverage
    _keys_that_cannot_rotate()
    _service_linked_recorders()
    _parameter_defaults()
    ssm_patching.apply()
    models.CloudTrailBackend.describe_trails = describe_trails  # type: ignore[method-assign]
    models.CloudTrailBackend.get_trail_status = get_trail_status  # type: ignore[method-assign]
    models.CloudTrailBackend.get_event_selectors = get_event_selectors  # type: ignore[method-assign]
    _applied = True


def _organization_trails(account: str, region: str) -> list[Any]:
    """The organisation trails of the organisation `account` is a member of."""
    from moto.cloudtrail.models import cloudtrail_backends
    from moto.organizations.models import organizations_backends

    management, _ = organizations_backends.master_accounts.get(account, (account, ""))
    if management == account or management not in cloudtrail_backends:
        return []
    return [
        trail
        for backend in cloudtrail_backends[management].values()
        for trail in backend.trails.values()
        if trail.is_org_trail and (trail.is_multi_region or trail.region_name == region)
    ]


def _keys_that_cannot_rotate() -> None:
    from moto.core.exceptions import JsonRESTError
    from moto.kms.models import KmsBackend

    rotation_status = KmsBackend.get_key_rotation_status

    def get_key_rotation_status(self: Any, key_id: str) -> bool:
        key = self.describe_key(key_id)
        if key.key_spec != "SYMMETRIC_DEFAULT" or key.origin != "AWS_KMS":
            raise JsonRESTError(
                "UnsupportedOperationException",
                f"{key.arn} origin is {key.origin} with key spec {key.key_spec}, "
                "which is not valid for this operation.",
            )
        result: bool = rotation_status(self, key_id)
        return result

    KmsBackend.get_key_rotation_status = get_key_rotation_status  # type: ignore[method-assign]


def _service_linked_recorders() -> None:
    from moto.config.models import ConfigBackend, ConfigRecorder, RecordingGroup
    from moto.config.responses import ConfigResponse

    put_customer_recorder = ConfigBackend.put_configuration_recorder

    def put_configuration_recorder(self: Any, config_recorder: dict[str, Any]) -> None:
        # Only customer-managed recorders count toward the one allowed per region.
        linked = {n: r for n, r in self.recorders.items() if getattr(r, "service_principal", None)}
        for name in linked:
            del self.recorders[name]
        try:
            put_customer_recorder(self, config_recorder)
        finally:
            self.recorders.update(linked)

    ConfigBackend.put_configuration_recorder = put_configuration_recorder  # type: ignore[method-assign]

    def put_service_linked_configuration_recorder(self: Any) -> str:
        principal = str(self._get_param("ServicePrincipal"))
        backend = self.config_backend
        name = f"AWSConfigurationRecorderFor{principal.split('.')[0].upper()}"
        where = f"{backend.region_name}:{backend.account_id}"
        arn = f"arn:aws:config:{where}:configuration-recorder/{name}/evidra0001"
        role = (
            f"arn:aws:iam::{backend.account_id}:role/aws-service-role/config.amazonaws.com/"
            "AWSServiceRoleForConfig"
        )
        recorder = ConfigRecorder(
            role, RecordingGroup(all_supported=True, include_global_resource_types=True), name
        )
        recorder.arn = arn  # type: ignore[attr-defined]
        recorder.service_principal = principal  # type: ignore[attr-defined]
        recorder.recording_scope = "INTERNAL"  # type: ignore[attr-defined]
        recorder.status.start()
        backend.recorders[name] = recorder
        return json.dumps({"Arn": arn, "Name": name})

    ConfigResponse.put_service_linked_configuration_recorder = (  # type: ignore[attr-defined]
        put_service_linked_configuration_recorder
    )


def tls_parameter_default(family: str) -> tuple[str, str] | None:
    """(parameter, engine default) deciding whether unencrypted connections are refused."""
    family = family.lower()
    if family.startswith(("postgres", "aurora-postgresql")):
        digits = "".join(c for c in family.split("postgres")[-1].split("sql")[-1] if c.isdigit() or c == ".")
        major = int(digits.split(".")[0]) if digits.split(".")[0] else 0
        return "rds.force_ssl", "1" if major >= 15 else "0"
    if family.startswith(("mysql", "mariadb", "aurora-mysql")):
        return "require_secure_transport", "0"
    if family.startswith("sqlserver"):
        return "rds.force_ssl", "0"
    return None


def _parameter_defaults() -> None:
    from moto.rds.models import RDSBackend

    describe = RDSBackend.describe_db_parameter_groups

    def describe_db_parameter_groups(self: Any, kwargs: dict[str, Any]) -> Any:
        groups = describe(self, kwargs)
        for group in groups:
            default = tls_parameter_default(group.family or "")
            if default is not None and default[0] not in group.parameters:
                name, value = default
                group.parameters[name] = {
                    "ParameterName": name,
                    "ParameterValue": value,
                    "Source": "engine-default",
                    "ApplyType": "dynamic",
                    "DataType": "boolean",
                    "IsModifiable": True,
                }
        return groups

    RDSBackend.describe_db_parameter_groups = describe_db_parameter_groups  # type: ignore[method-assign,assignment]
