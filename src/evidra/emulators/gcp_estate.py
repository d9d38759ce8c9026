"""The GCP organisations the fake Cloud Asset API serves: the demo's (and tests') small
realistic one, and a synthetic one of any size for benchmarks.

Assets are built as Cloud Asset Inventory returns them (`name`, `assetType`,
`ancestors`, `resource` with the service's own JSON in `data`, `iamPolicy`), with the
resource data shaped like the services' REST APIs answer (Cloud Storage JSON API,
Cloud SQL Admin v1, Compute v1, Cloud KMS v1, IAM v1, Cloud Logging v2, Security
Command Center Management v1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

CRM = "//cloudresourcemanager.googleapis.com"
SERVICE_ACCOUNT_EMAIL = "evidra-audit@acme-security.iam.gserviceaccount.com"
_UPDATED = "2026-11-20T08:00:00.000000Z"


def _number(*parts: str, digits: int = 18) -> str:
    """A stable numeric id (Python's hash() changes with every process)."""
    return str(int(hashlib.sha256("/".join(parts).encode()).hexdigest(), 16) % 10**digits)


def ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(eq=False)  # one organisation is one object (the fake caches answers by it)
class GcpOrg:
    """An organisation: its hierarchy and every asset, in Cloud Asset Inventory's JSON."""

    organization: str  # numeric id
    domain: str
    folders: dict[str, str] = field(default_factory=dict)  # folder number -> parent node
    projects: dict[str, str] = field(default_factory=dict)  # project id -> number
    assets: list[dict[str, Any]] = field(default_factory=list)
    # OS Config's reports ("inventories", "vulnerabilityReports"), and the project numbers
    # that have not enabled its API (see gcp_osconfig.py).
    osconfig: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"inventories": [], "vulnerabilityReports": []}
    )
    osconfig_disabled: set[str] = field(default_factory=set)
    # Security Command Center's findings, each as ListFindings answers it ({finding,
    # resource}), and whether SCC was ever activated for the organisation (see gcp_scc.py).
    findings: list[dict[str, Any]] = field(default_factory=list)
    scc_activated: bool = True
    _parents: dict[str, str] = field(default_factory=dict)  # node -> parent node

    # -- the hierarchy --

    def ancestors(self, node: str) -> list[str]:
        chain = [node]
        while chain[-1] in self._parents:
            chain.append(self._parents[chain[-1]])
        return chain

    def node(self, parent: str) -> str | None:
        """`projects/acme-prod` or `projects/1001` -> `projects/1001`; None: not in the org."""
        kind, _, ident = parent.partition("/")
        if kind == "organizations" and ident == self.organization:
            return parent
        if kind == "folders" and ident in self.folders:
            return parent
        if kind == "projects":
            number = self.projects.get(ident, ident)
            if number in self.projects.values():
                return f"projects/{number}"
        return None

    def add_organization(self, policy: dict[str, Any]) -> None:
        self._hierarchy_asset(
            f"organizations/{self.organization}",
            "cloudresourcemanager.googleapis.com/Organization",
            "Organization",
            {
                "name": f"organizations/{self.organization}",
                "displayName": self.domain,
                "directoryCustomerId": "C0abc1234",
                "state": "ACTIVE",
                "createTime": "2019-03-01T10:00:00Z",
            },
            policy,
        )

    def set_org_policy(self, node: str, constraint: str, *, enforced: bool) -> None:
        """A boolean organisation policy on `organizations/N`, `folders/N` or `projects/N`,
        as Cloud Asset's ORG_POLICY content shows it (the v1 orgpolicy Policy:
        `constraint`, `booleanPolicy.enforced`, `etag`, `updateTime`)."""
        asset = next(a for a in self.assets if a["name"] == f"{CRM}/{node}")
        asset.setdefault("orgPolicy", []).append(
            {
                "version": 1,
                "constraint": f"constraints/{constraint}",
                "booleanPolicy": {"enforced": enforced},
                "etag": "BwYqY3o4dUE=",
                "updateTime": _UPDATED,
            }
        )

    def add_folder(
        self, number: str, display_name: str, parent: str, policy: dict[str, Any] | None = None
    ) -> None:
        self.folders[number] = parent
        self._parents[f"folders/{number}"] = parent
        self._hierarchy_asset(
            f"folders/{number}",
            "cloudresourcemanager.googleapis.com/Folder",
            "Folder",
            {
                "name": f"folders/{number}",
                "parent": parent,
                "displayName": display_name,
                "lifecycleState": "ACTIVE",
                "createTime": "2020-01-10T10:00:00Z",
            },
            policy or {},
        )

    def add_project(
        self,
        project_id: str,
        number: str,
        parent: str,
        policy: dict[str, Any] | None = None,
        *,
        name: str = "",
    ) -> None:
        self.projects[project_id] = number
        self._parents[f"projects/{number}"] = parent
        kind, _, ident = parent.partition("/")
        self._hierarchy_asset(
            f"projects/{number}",
            "cloudresourcemanager.googleapis.com/Project",
            "Project",
            {
                "projectNumber": number,
                "projectId": project_id,
                "lifecycleState": "ACTIVE",
                "name": name or project_id,
                "createTime": "2021-06-01T10:00:00Z",
                "parent": {"type": kind.rstrip("s"), "id": ident},
            },
            policy or {},
        )

    def _hierarchy_asset(
        self, node: str, asset_type: str, discovery: str, data: dict[str, Any], policy: dict[str, Any]
    ) -> None:
        parent = self._parents.get(node)
        self.assets.append(
            {
                "name": f"{CRM}/{node}",
                "assetType": asset_type,
                "ancestors": self.ancestors(node),
                "updateTime": _UPDATED,
                "resource": {
                    "version": "v3" if discovery != "Project" else "v1",
                    "discoveryDocumentUri": "https://cloudresourcemanager.googleapis.com/$discovery/rest",
                    "discoveryName": discovery,
                    "parent": f"{CRM}/{parent}" if parent else "",
                    "data": data,
                },
                "iamPolicy": {"version": 1, "etag": "BwX1a2b3c4d=", **policy},
            }
        )

    # -- resources --

    def add(
        self,
        project_id: str,
        asset_type: str,
        name: str,
        data: dict[str, Any],
        *,
        location: str = "global",
        iam_policy: dict[str, Any] | None = None,
        discovery: str | None = None,
    ) -> dict[str, Any]:
        """A resource of a project (or, with `project_id` = `organizations/N`, of the organisation)."""
        if project_id.startswith("organizations/"):
            node = project_id
        else:
            node = f"projects/{self.projects[project_id]}"
        service = asset_type.split("/", 1)[0]
        asset: dict[str, Any] = {
            "name": name,
            "assetType": asset_type,
            "ancestors": self.ancestors(node),
            "updateTime": _UPDATED,
            "resource": {
                "version": "v1",
                "discoveryDocumentUri": f"https://{service}/$discovery/rest?version=v1",
                "discoveryName": discovery or asset_type.rsplit("/", 1)[-1],
                "parent": f"{CRM}/{node}",
                "data": data,
                "location": location,
            },
        }
        if iam_policy is not None:
            asset["iamPolicy"] = {"version": 1, "etag": "CAE=", **iam_policy}
        self.assets.append(asset)
        return asset


# -- builders for each asset family, shaped like the services' own JSON --


def binding(role: str, *members: str) -> dict[str, Any]:
    return {"role": role, "members": list(members)}


def audit_config(service: str, *log_types: str) -> dict[str, Any]:
    return {"service": service, "auditLogConfigs": [{"logType": t} for t in log_types]}


def add_bucket(
    org: GcpOrg,
    project_id: str,
    name: str,
    *,
    location: str = "US",
    kms_key: str | None = None,
    uniform: bool = True,
    prevention: str = "inherited",
    public_members: tuple[str, ...] = (),
    retention_days: int | None = None,
    retention_locked: bool = False,
    versioning: bool = False,
    log_bucket: str | None = None,
    labels: dict[str, str] | None = None,
    delete_after_days: int | None = None,
) -> None:
    number = org.projects[project_id]
    data: dict[str, Any] = {
        "kind": "storage#bucket",
        "id": name,
        "name": name,
        "projectNumber": number,
        "location": location,
        "locationType": "multi-region" if location in ("US", "EU", "ASIA") else "region",
        "storageClass": "STANDARD",
        "timeCreated": "2023-02-01T09:00:00.000Z",
        "updated": "2026-10-01T09:00:00.000Z",
        "metageneration": "4",
        "etag": "CAQ=",
        "iamConfiguration": {
            "bucketPolicyOnly": {"enabled": uniform},
            "uniformBucketLevelAccess": {"enabled": uniform},
            "publicAccessPrevention": prevention,
        },
        "versioning": {"enabled": versioning},
        "softDeletePolicy": {"retentionDurationSeconds": "604800", "effectiveTime": "2024-03-01T07:00:00Z"},
    }
    if kms_key:
        data["encryption"] = {"defaultKmsKeyName": kms_key}
    if retention_days is not None:
        data["retentionPolicy"] = {
            "retentionPeriod": str(retention_days * 86400),
            "effectiveTime": "2024-01-01T00:00:00Z",
            "isLocked": retention_locked,
        }
    if log_bucket:
        data["logging"] = {"logBucket": log_bucket, "logObjectPrefix": name}
    if labels:
        data["labels"] = labels
    if delete_after_days is not None:  # Cloud Storage JSON API: lifecycle.rule[].action/condition
        data["lifecycle"] = {
            "rule": [{"action": {"type": "Delete"}, "condition": {"age": delete_after_days}}]
        }
    if not uniform:
        data["acl"] = [
            {"kind": "storage#bucketAccessControl", "entity": f"project-owners-{number}", "role": "OWNER"},
        ]
    policy = {
        "bindings": [
            binding(
                "roles/storage.legacyBucketOwner", f"projectEditor:{project_id}", f"projectOwner:{project_id}"
            ),
            binding("roles/storage.legacyBucketReader", f"projectViewer:{project_id}"),
            *([binding("roles/storage.objectViewer", *public_members)] if public_members else []),
        ]
    }
    org.add(
        project_id,
        "storage.googleapis.com/Bucket",
        f"//storage.googleapis.com/{name}",
        data,
        location=location.lower(),
        iam_policy=policy,
    )


def add_sql_instance(
    org: GcpOrg,
    project_id: str,
    name: str,
    *,
    version: str = "POSTGRES_15",
    region: str = "europe-west1",
    kms_key: str | None = None,
    ssl_mode: str = "ENCRYPTED_ONLY",
    backups: bool = True,
    retained_backups: int = 7,
    public_ip: bool = False,
    authorized: tuple[str, ...] = (),
    labels: dict[str, str] | None = None,
) -> None:
    data: dict[str, Any] = {
        "kind": "sql#instance",
        "name": name,
        "project": project_id,
        "databaseVersion": version,
        "region": region,
        "gceZone": f"{region}-b",
        "state": "RUNNABLE",
        "backendType": "SECOND_GEN",
        "instanceType": "CLOUD_SQL_INSTANCE",
        "connectionName": f"{project_id}:{region}:{name}",
        "selfLink": f"https://sqladmin.googleapis.com/sql/v1beta4/projects/{project_id}/instances/{name}",
        "settings": {
            "kind": "sql#settings",
            "tier": "db-custom-2-7680",
            "availabilityType": "REGIONAL",
            **({"userLabels": labels} if labels else {}),
            "dataDiskType": "PD_SSD",
            "dataDiskSizeGb": "100",
            "ipConfiguration": {
                "ipv4Enabled": public_ip,
                "sslMode": ssl_mode,
                "requireSsl": ssl_mode != "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
                "authorizedNetworks": [
                    {"kind": "sql#aclEntry", "name": f"net-{i}", "value": cidr}
                    for i, cidr in enumerate(authorized)
                ],
                "privateNetwork": f"projects/{project_id}/global/networks/default",
            },
            "backupConfiguration": {
                "kind": "sql#backupConfiguration",
                "enabled": backups,
                "startTime": "02:00",
                "location": "eu",
                "pointInTimeRecoveryEnabled": backups,
                "transactionLogRetentionDays": 7,
                "backupRetentionSettings": {"retentionUnit": "COUNT", "retainedBackups": retained_backups},
            },
        },
        "serverCaCert": {
            "kind": "sql#sslCert",
            "certSerialNumber": "0",
            "commonName": "C=US,O=Google\\, Inc,CN=Google Cloud SQL Server CA",
            "expirationTime": "2034-01-01T00:00:00Z",
        },
        "ipAddresses": [{"type": "PRIVATE", "ipAddress": "10.20.0.3"}]
        + ([{"type": "PRIMARY", "ipAddress": "34.76.10.20"}] if public_ip else []),
    }
    if kms_key:
        data["diskEncryptionConfiguration"] = {
            "kmsKeyName": kms_key,
            "kind": "sql#diskEncryptionConfiguration",
        }
    org.add(
        project_id,
        "sqladmin.googleapis.com/Instance",
        f"//cloudsql.googleapis.com/projects/{project_id}/instances/{name}",
        data,
        location=region,
        discovery="DatabaseInstance",
    )


def add_disk(
    org: GcpOrg,
    project_id: str,
    name: str,
    *,
    zone: str = "europe-west1-b",
    kms_key: str | None = None,
    attached_to: str = "",
) -> None:
    compute = f"https://www.googleapis.com/compute/v1/projects/{project_id}"
    data: dict[str, Any] = {
        "id": _number(project_id, name),
        "name": name,
        "kind": "compute#disk",
        "sizeGb": "50",
        "zone": f"{compute}/zones/{zone}",
        "status": "READY",
        "type": f"{compute}/zones/{zone}/diskTypes/pd-balanced",
        "creationTimestamp": "2025-04-02T03:04:05.000-07:00",
        "selfLink": f"{compute}/zones/{zone}/disks/{name}",
        "physicalBlockSizeBytes": "4096",
    }
    if attached_to:
        data["users"] = [f"{compute}/zones/{zone}/instances/{attached_to}"]
    if kms_key:
        data["diskEncryptionKey"] = {"kmsKeyName": f"{kms_key}/cryptoKeyVersions/1"}
    org.add(
        project_id,
        "compute.googleapis.com/Disk",
        f"//compute.googleapis.com/projects/{project_id}/zones/{zone}/disks/{name}",
        data,
        location=zone,
    )


def add_vm(
    org: GcpOrg,
    project_id: str,
    name: str,
    *,
    zone: str = "europe-west1-b",
    reported_days_ago: float | None = 0.5,
    updates: tuple[tuple[str, str, str | None, float | None], ...] = (),
) -> dict[str, Any]:
    """A running Compute Engine VM (Compute v1 Instance) and, unless `reported_days_ago` is
    None (its OS Config agent never reported), its OS Config inventory (FULL view) and
    vulnerability report. `updates`: (package, version available, CVE severity or None,
    days since the CVE was first detected on the VM) per available update."""
    compute = f"https://www.googleapis.com/compute/v1/projects/{project_id}"
    instance_id = _number(project_id, zone, name, digits=19)
    data = {
        "id": instance_id, "name": name, "kind": "compute#instance", "status": "RUNNING",
        "zone": f"{compute}/zones/{zone}", "machineType": f"{compute}/zones/{zone}/machineTypes/e2-medium",
        "creationTimestamp": "2025-04-02T03:04:05.000-07:00",
        "selfLink": f"{compute}/zones/{zone}/instances/{name}",
    }  # fmt: skip
    asset = org.add(
        project_id, "compute.googleapis.com/Instance",
        f"//compute.googleapis.com/projects/{project_id}/zones/{zone}/instances/{name}", data, location=zone,
    )  # fmt: skip
    if reported_days_ago is None:
        return asset
    reported = (datetime.now(UTC) - timedelta(days=reported_days_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    base = f"projects/{org.projects[project_id]}/locations/{zone}/instances/{instance_id}"
    items: dict[str, Any] = {}
    vulnerabilities: list[dict[str, Any]] = []
    for package, version, severity, detected in updates:
        installed_id, available_id = (
            f"installedPackage-{package}:amd64",
            f"availablePackage-{package}:amd64:{version}",
        )
        for item_id, kind in ((installed_id, "installedPackage"), (available_id, "availablePackage")):
            items[item_id] = {
                "id": item_id, "originType": "INVENTORY_REPORT", "createTime": reported,
                "updateTime": reported,
                "type": "INSTALLED_PACKAGE" if kind == "installedPackage" else "AVAILABLE_PACKAGE",
                kind: {"aptPackage": {"packageName": package, "architecture": "amd64", "version": version}},
            }  # fmt: skip
        if severity is not None and detected is not None:
            first = (datetime.now(UTC) - timedelta(days=detected)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            vulnerabilities.append({
                "details": {
                    "cve": f"CVE-2026-{len(vulnerabilities) + 1:04d}", "severity": severity,
                    "cvssV3": {"baseScore": {"CRITICAL": 9.8, "HIGH": 7.5}.get(severity, 5.0)},
                    "description": f"A flaw in {package}", "references": [],
                },
                "createTime": first, "updateTime": reported,
                "items": [
                    {"installedInventoryItemId": installed_id, "availableInventoryItemId": available_id}
                ],
            })  # fmt: skip
    org.osconfig["inventories"].append({
        "name": f"{base}/inventory", "updateTime": reported, "items": items,
        "osInfo": {
            "hostname": name, "longName": "Debian GNU/Linux 12 (bookworm)", "shortName": "debian",
            "version": "12", "architecture": "x86_64", "kernelRelease": "6.1.0-18-cloud-amd64",
            "osconfigAgentVersion": "20240320.00-g1",
        },
    })  # fmt: skip
    severities = [v["details"]["severity"] for v in vulnerabilities]
    highest = next((s for s in ("CRITICAL", "HIGH", "MEDIUM", "LOW") if s in severities), "NONE")
    org.osconfig["vulnerabilityReports"].append({
        "name": f"{base}/vulnerabilityReport", "vulnerabilities": vulnerabilities, "updateTime": reported,
        "highestUpgradableCveSeverity": highest,
    })  # fmt: skip
    return asset


def add_firewall(
    org: GcpOrg,
    project_id: str,
    name: str,
    *,
    sources: tuple[str, ...] = ("0.0.0.0/0",),
    allowed: tuple[tuple[str, tuple[str, ...]], ...] = (("tcp", ("443",)),),
    direction: str = "INGRESS",
    disabled: bool = False,
    network: str = "default",
) -> None:
    compute = f"https://www.googleapis.com/compute/v1/projects/{project_id}"
    data = {
        "id": _number(project_id, name, "firewall"),
        "name": name,
        "kind": "compute#firewall",
        "network": f"{compute}/global/networks/{network}",
        "direction": direction,
        "priority": 1000,
        "sourceRanges": list(sources),
        "allowed": [
            {"IPProtocol": proto, **({"ports": list(ports)} if ports else {})} for proto, ports in allowed
        ],
        "disabled": disabled,
        "logConfig": {"enable": False},
        "creationTimestamp": "2024-05-06T07:08:09.000-07:00",
        "selfLink": f"{compute}/global/firewalls/{name}",
    }
    org.add(
        project_id,
        "compute.googleapis.com/Firewall",
        f"//compute.googleapis.com/projects/{project_id}/global/firewalls/{name}",
        data,
    )


def kms_key_name(project_id: str, ring: str, key: str, location: str = "europe") -> str:
    return f"projects/{project_id}/locations/{location}/keyRings/{ring}/cryptoKeys/{key}"


def add_crypto_key(
    org: GcpOrg,
    project_id: str,
    ring: str,
    key: str,
    *,
    location: str = "europe",
    rotation_days: int | None = 90,
    state: str = "ENABLED",
    purpose: str = "ENCRYPT_DECRYPT",
) -> None:
    """`purpose` ASYMMETRIC_SIGN: a signing key, as Cloud Asset shows one (CryptoKey in
    the Cloud KMS v1 reference): no primary version and no rotation period, since
    Cloud KMS rotates only symmetric encryption keys automatically."""
    name = kms_key_name(project_id, ring, key, location)
    if purpose != "ENCRYPT_DECRYPT":
        algorithm = "EC_SIGN_P256_SHA256"
        org.add(
            project_id,
            "cloudkms.googleapis.com/CryptoKey",
            f"//cloudkms.googleapis.com/{name}",
            {
                "name": name,
                "purpose": purpose,
                "createTime": "2024-01-15T00:00:00.000000Z",
                "versionTemplate": {"protectionLevel": "SOFTWARE", "algorithm": algorithm},
                "destroyScheduledDuration": "2592000s",
            },
            location=location,
        )
        return
    data: dict[str, Any] = {
        "name": name,
        "primary": {
            "name": f"{name}/cryptoKeyVersions/3",
            "state": state,
            "createTime": "2026-09-01T00:00:00.000000Z",
            "protectionLevel": "SOFTWARE",
            "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION",
            "generateTime": "2026-09-01T00:00:00.000000Z",
        },
        "purpose": "ENCRYPT_DECRYPT",
        "createTime": "2024-01-15T00:00:00.000000Z",
        "versionTemplate": {"protectionLevel": "SOFTWARE", "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION"},
        "destroyScheduledDuration": "2592000s",
    }
    if rotation_days is not None:
        data["rotationPeriod"] = f"{rotation_days * 86400}s"
        data["nextRotationTime"] = "2026-12-01T00:00:00Z"
    org.add(
        project_id,
        "cloudkms.googleapis.com/CryptoKey",
        f"//cloudkms.googleapis.com/{name}",
        data,
        location=location,
    )


def add_service_account(
    org: GcpOrg,
    project_id: str,
    account: str,
    *,
    keys: tuple[tuple[str, int, str], ...] = (),
    disabled: bool = False,
) -> None:
    """`keys`: (key id, age in days, keyType USER_MANAGED | SYSTEM_MANAGED)."""
    email = f"{account}@{project_id}.iam.gserviceaccount.com"
    unique = "1" + _number(email, digits=20)
    org.add(
        project_id,
        "iam.googleapis.com/ServiceAccount",
        f"//iam.googleapis.com/projects/{project_id}/serviceAccounts/{unique}",
        {
            "name": f"projects/{project_id}/serviceAccounts/{email}",
            "projectId": project_id,
            "uniqueId": unique,
            "email": email,
            "displayName": account,
            "oauth2ClientId": unique,
            "disabled": disabled,
        },
    )
    for key_id, age, key_type in keys:
        org.add(
            project_id,
            "iam.googleapis.com/ServiceAccountKey",
            f"//iam.googleapis.com/projects/{project_id}/serviceAccounts/{unique}/keys/{key_id}",
            {
                "name": f"projects/{project_id}/serviceAccounts/{email}/keys/{key_id}",
                "validAfterTime": ago(age),
                "validBeforeTime": "9999-12-31T23:59:59Z",
                "keyAlgorithm": "KEY_ALG_RSA_2048",
                "keyOrigin": "GOOGLE_PROVIDED",
                "keyType": key_type,
                "disabled": False,
            },
        )


def add_log_bucket(
    org: GcpOrg,
    owner: str,
    bucket_id: str,
    *,
    retention_days: int = 30,
    locked: bool = False,
    kms_key: str | None = None,
    location: str = "global",
) -> None:
    """`owner`: a project id, or `organizations/N`."""
    node = owner if owner.startswith("organizations/") else f"projects/{org.projects[owner]}"
    named = owner if owner.startswith("organizations/") else f"projects/{owner}"
    name = f"{named}/locations/{location}/buckets/{bucket_id}"
    data: dict[str, Any] = {
        "name": name,
        "retentionDays": retention_days,
        "locked": locked,
        "lifecycleState": "ACTIVE",
        "createTime": "2021-06-01T10:00:00Z",
        "updateTime": "2021-06-01T10:00:00Z",
    }
    if kms_key:
        data["cmekSettings"] = {"kmsKeyName": kms_key, "kmsKeyVersionName": f"{kms_key}/cryptoKeyVersions/1"}
    org.add(
        owner,
        "logging.googleapis.com/LogBucket",
        f"//logging.googleapis.com/{node}/locations/{location}/buckets/{bucket_id}",
        data,
        location=location,
    )


LOGGING_AGENTS = "gcp-sa-logging.iam.gserviceaccount.com"
REQUIRED_FILTER = (
    'LOG_ID("cloudaudit.googleapis.com/activity") OR LOG_ID("externalaudit.googleapis.com/activity") OR '
    'LOG_ID("cloudaudit.googleapis.com/system_event") OR '
    'LOG_ID("externalaudit.googleapis.com/system_event") OR '
    'LOG_ID("cloudaudit.googleapis.com/access_transparency") OR '
    'LOG_ID("externalaudit.googleapis.com/access_transparency")'
)
DEFAULT_FILTER = (
    'NOT LOG_ID("cloudaudit.googleapis.com/activity") AND '
    'NOT LOG_ID("externalaudit.googleapis.com/activity") AND '
    'NOT LOG_ID("cloudaudit.googleapis.com/system_event") AND '
    'NOT LOG_ID("externalaudit.googleapis.com/system_event") AND '
    'NOT LOG_ID("cloudaudit.googleapis.com/access_transparency") AND '
    'NOT LOG_ID("externalaudit.googleapis.com/access_transparency")'
)


def add_log_sink(
    org: GcpOrg,
    owner: str,
    sink: str,
    destination: str,
    *,
    log_filter: str = "",
    include_children: bool = False,
) -> None:
    node = owner if owner.startswith("organizations/") else f"projects/{org.projects[owner]}"
    org.add(
        owner,
        "logging.googleapis.com/LogSink",
        f"//logging.googleapis.com/{node}/sinks/{sink}",
        {
            "name": sink,
            "destination": destination,
            "filter": log_filter,
            "writerIdentity": f"serviceAccount:service-{node.split('/')[1]}@{LOGGING_AGENTS}",
            "includeChildren": include_children,
            "createTime": "2021-06-01T10:00:00Z",
            "updateTime": "2021-06-01T10:00:00Z",
        },
    )


# CIS GCP 2.4-2.7 log-based metric filters (Cloud Logging query language).
_METHOD = "protoPayload.methodName"
CIS_METRIC_FILTERS = {
    "project-ownership-changes": '(protoPayload.serviceName="cloudresourcemanager.googleapis.com") AND '
    "(ProjectOwnership OR projectOwnerInvitee) OR (protoPayload.serviceData.policyDelta.bindingDeltas.action="
    '"REMOVE" AND protoPayload.serviceData.policyDelta.bindingDeltas.role="roles/owner")',
    "audit-config-changes": f'{_METHOD}="SetIamPolicy" AND '
    "protoPayload.serviceData.policyDelta.auditConfigDeltas:*",
    "custom-role-changes": f'resource.type="iam_role" AND ({_METHOD}="google.iam.admin.v1.CreateRole" OR '
    f'{_METHOD}="google.iam.admin.v1.DeleteRole" OR {_METHOD}="google.iam.admin.v1.UpdateRole")',
    "firewall-changes": f'resource.type="gce_firewall_rule" AND ({_METHOD}:"compute.firewalls.patch" OR '
    f'{_METHOD}:"compute.firewalls.insert" OR {_METHOD}:"compute.firewalls.delete")',
}


_GLOBAL = 'resource.type="global"'


def add_log_metric(org: GcpOrg, project_id: str, name: str, log_filter: str) -> None:
    """A log-based counter metric (Logging v2 LogMetric)."""
    node = f"projects/{org.projects[project_id]}"
    org.add(
        project_id,
        "logging.googleapis.com/LogMetric",
        f"//logging.googleapis.com/{node}/metrics/{name}",
        {
            "name": name,
            "filter": log_filter,
            "metricDescriptor": {"metricKind": "DELTA", "valueType": "INT64", "unit": "1"},
            "createTime": "2024-01-10T10:00:00Z",
            "updateTime": "2024-01-10T10:00:00Z",
        },
    )


def add_alert_policy(
    org: GcpOrg, project_id: str, name: str, metric: str, *, enabled: bool = True, notify: bool = True
) -> None:
    """An alerting policy (Monitoring v3 AlertPolicy) on a log-based metric: any count fires."""
    node = f"projects/{org.projects[project_id]}"
    policy_id = _number(project_id, name, digits=19)
    channel = f"{node}/notificationChannels/{_number(project_id, 'security-email', digits=19)}"
    org.add(
        project_id,
        "monitoring.googleapis.com/AlertPolicy",
        f"//monitoring.googleapis.com/{node}/alertPolicies/{policy_id}",
        {
            "name": f"{node}/alertPolicies/{policy_id}",
            "displayName": name,
            "combiner": "OR",
            "enabled": enabled,
            "notificationChannels": [channel] if notify else [],
            "conditions": [
                {
                    "name": f"{node}/alertPolicies/{policy_id}/conditions/1",
                    "displayName": f"{metric} count",
                    "conditionThreshold": {
                        "filter": f'metric.type="logging.googleapis.com/user/{metric}" AND {_GLOBAL}',
                        "comparison": "COMPARISON_GT",
                        "thresholdValue": 0,
                        "duration": "0s",
                        "aggregations": [{"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_COUNT"}],
                    },
                }
            ],
        },
    )


def add_project_logging(org: GcpOrg, project_id: str) -> None:
    """What every project has: the _Required and _Default sinks and buckets."""
    buckets = f"logging.googleapis.com/projects/{project_id}/locations/global/buckets"
    add_log_bucket(org, project_id, "_Required", retention_days=400, locked=True)
    add_log_bucket(org, project_id, "_Default", retention_days=30)
    add_log_sink(org, project_id, "_Required", f"{buckets}/_Required", log_filter=REQUIRED_FILTER)
    add_log_sink(org, project_id, "_Default", f"{buckets}/_Default", log_filter=DEFAULT_FILTER)


THREAT_SERVICES = ("event-threat-detection", "container-threat-detection", "vm-threat-detection")


def add_scc_services(org: GcpOrg, owner: str, effective: str, intended: str = "INHERITED") -> None:
    """SCC's threat-detection service settings on the organisation (`organizations/N`) or a project."""
    node = owner if owner.startswith("organizations/") else f"projects/{org.projects[owner]}"
    for service in THREAT_SERVICES:
        name = f"{node}/locations/global/securityCenterServices/{service}"
        org.add(
            owner,
            "securitycentermanagement.googleapis.com/SecurityCenterService",
            f"//securitycentermanagement.googleapis.com/{name}",
            {
                "name": name,
                "intendedEnablementState": intended,
                "effectiveEnablementState": effective,
                "updateTime": "2026-01-05T00:00:00Z",
            },
        )


VM_MANAGER_SOURCE = "2193714568923475125"  # a source id, as SCC numbers them


def add_finding(
    org: GcpOrg,
    project_id: str,
    instance: str,
    cve: str,
    severity: str,
    *,
    created: float,
    fixed: float | None = None,
    muted: float | None = None,
    mute_initiator: str | None = None,
    mute_rule: str | None = None,
    finding_class: str = "VULNERABILITY",
    category: str = "OS_VULNERABILITY",
    cvss: float = 7.5,
) -> dict[str, Any]:
    """A finding on a VM, as Security Command Center's v1 ListFindings answers it
    (`{finding, resource}`: the Finding and ListFindingsResult.Resource messages of
    google-cloud-securitycenter's v1 types): created `created` days ago, INACTIVE since
    `fixed` days ago, or MUTED `muted` days ago by a user (`mute_initiator`) or a rule."""
    number = org.projects[project_id]
    finding_id = _number(project_id, instance, cve, digits=32)
    name = f"organizations/{org.organization}/sources/{VM_MANAGER_SOURCE}/findings/{finding_id}"
    zone = "europe-west1-b"
    resource_name = f"//compute.googleapis.com/projects/{project_id}/zones/{zone}/instances/{instance}"
    finding: dict[str, Any] = {
        "name": name,
        "parent": name.rpartition("/findings/")[0],
        "resourceName": resource_name,
        "state": "INACTIVE" if fixed is not None else "ACTIVE",
        "category": category,
        "externalUri": f"https://nvd.nist.gov/vuln/detail/{cve}",
        "sourceProperties": {"package": "openssl", "fixedVersion": "3.0.13"},
        "securityMarks": {"name": f"{name}/securityMarks"},
        "eventTime": ago_days(fixed if fixed is not None else created),
        "createTime": ago_days(created),
        "severity": severity,
        "canonicalName": f"projects/{number}/sources/{VM_MANAGER_SOURCE}/findings/{finding_id}",
        "mute": "MUTED" if muted is not None else "UNDEFINED",
        "findingClass": finding_class,
        "vulnerability": {
            "cve": {
                "id": cve,
                "references": [{"source": "NVD", "uri": f"https://nvd.nist.gov/vuln/detail/{cve}"}],
                "cvssv3": {"baseScore": cvss},
            }
        },
        "description": f"{cve} in a package installed on {instance}",
        "parentDisplayName": "VM Manager",
    }
    if muted is not None:
        finding["muteUpdateTime"] = ago_days(muted)
        if mute_initiator:
            finding["muteInitiator"] = mute_initiator
        finding["muteInfo"] = (
            {"dynamicMuteRecords": [{"muteConfig": mute_rule, "matchTime": ago_days(muted)}]}
            if mute_rule
            else {"staticMute": {"state": "MUTED", "applyTime": ago_days(muted)}}
        )
    project = f"{CRM}/projects/{number}"
    folders = [a for a in org.ancestors(f"projects/{number}") if a.startswith("folders/")]
    result = {
        "finding": finding,
        "resource": {
            "name": resource_name,
            "displayName": instance,
            "type": "google.compute.Instance",
            "projectName": project,
            "projectDisplayName": project_id,
            "parentName": project,
            "parentDisplayName": project_id,
            "folders": [{"resourceFolder": f"{CRM}/{f}", "resourceFolderDisplayName": f} for f in folders],
            "cloudProvider": "GOOGLE_CLOUD_PLATFORM",
            "organization": f"organizations/{org.organization}",
            "service": "compute.googleapis.com",
            "location": zone,
        },
    }
    org.findings.append(result)
    return result


def ago_days(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- the demo organisation --

ORG = "123456789012"


def demo_org() -> GcpOrg:
    """acme.com: two folders, three projects, each evidence family passing and failing."""
    org = GcpOrg(ORG, "acme.com")
    org.add_organization(
        {
            "bindings": [
                binding("roles/owner", "user:olivia@acme.com", "group:gcp-admins@acme.com"),
                binding("roles/resourcemanager.organizationViewer", "domain:acme.com"),
                binding("roles/cloudasset.viewer", f"serviceAccount:{SERVICE_ACCOUNT_EMAIL}"),
                binding("roles/iam.securityReviewer", f"serviceAccount:{SERVICE_ACCOUNT_EMAIL}"),
            ],
            "auditConfigs": [audit_config("allServices", "ADMIN_READ")],
        }
    )
    org.add_folder("300000000001", "production", f"organizations/{ORG}")
    org.add_folder("300000000002", "sandbox", f"organizations/{ORG}")
    org.add_project(
        "acme-prod",
        "100000000001",
        "folders/300000000001",
        {
            "bindings": [
                binding("roles/owner", "group:platform@acme.com"),
                binding("roles/viewer", "user:auditor@acme.com"),
            ],
            "auditConfigs": [audit_config("storage.googleapis.com", "DATA_READ", "DATA_WRITE")],
        },
    )
    org.add_project(
        "acme-data",
        "100000000002",
        "folders/300000000001",
        {"bindings": [binding("roles/bigquery.dataViewer", "group:analysts@acme.com")]},
    )
    org.add_project(
        "acme-sandbox",
        "100000000003",
        "folders/300000000002",
        {
            "bindings": [
                binding(
                    "roles/editor",
                    "user:dan@acme.com",
                    "serviceAccount:ci@acme-sandbox.iam.gserviceaccount.com",
                ),
                binding("roles/owner", "group:platform@acme.com"),
            ]
        },
    )
    prod_key = kms_key_name("acme-prod", "storage", "prod-data")
    add_crypto_key(org, "acme-prod", "storage", "prod-data", rotation_days=90)
    add_crypto_key(org, "acme-prod", "storage", "prod-logs", rotation_days=400)
    add_crypto_key(org, "acme-data", "exports", "exports-key", rotation_days=None)
    add_crypto_key(
        org, "acme-prod", "signing", "release-signing", rotation_days=None, purpose="ASYMMETRIC_SIGN"
    )

    add_bucket(
        org, "acme-prod", "acme-prod-records", kms_key=prod_key, prevention="enforced",
        retention_days=365, retention_locked=True, versioning=True,
        labels={"data-classification": "confidential"}, delete_after_days=2555,
    )  # fmt: skip
    add_bucket(org, "acme-data", "acme-data-exports", public_members=("allUsers",))
    add_bucket(org, "acme-sandbox", "acme-sandbox-scratch", uniform=False)
    # The sandbox folder enforces public access prevention on every bucket below it.
    org.set_org_policy("folders/300000000002", "storage.publicAccessPrevention", enforced=True)

    add_sql_instance(
        org, "acme-prod", "orders-db", kms_key=prod_key, retained_backups=30,
        labels={"data_classification": "confidential"},
    )  # fmt: skip
    add_sql_instance(
        org, "acme-data", "analytics-db", version="MYSQL_8_0", ssl_mode="ALLOW_UNENCRYPTED_AND_ENCRYPTED",
        backups=False, public_ip=True, authorized=("0.0.0.0/0",),
    )  # fmt: skip

    add_disk(org, "acme-prod", "web-1-boot", kms_key=prod_key, attached_to="web-1")
    add_disk(org, "acme-sandbox", "scratch-disk")

    add_firewall(org, "acme-prod", "allow-https", allowed=(("tcp", ("443",)),))
    add_firewall(org, "acme-prod", "allow-internal", sources=("10.128.0.0/9",), allowed=(("all", ()),))
    add_firewall(org, "acme-sandbox", "default-allow-ssh", allowed=(("tcp", ("22",)),))
    add_firewall(org, "acme-sandbox", "default-allow-rdp", allowed=(("tcp", ("3389",)),), disabled=True)

    add_service_account(
        org, "acme-prod", "deploy", keys=(("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", 30, "USER_MANAGED"),)
    )
    add_service_account(
        org, "acme-sandbox", "ci",
        keys=(
            ("0f1e2d3c4b5a69788796a5b4c3d2e1f001234567", 500, "USER_MANAGED"),
            ("99aa88bb77cc66dd55ee44ff3300112233445566", 900, "SYSTEM_MANAGED"),
        ),
    )  # fmt: skip

    for project in ("acme-prod", "acme-data", "acme-sandbox"):
        add_project_logging(org, project)
    logs_key = kms_key_name("acme-prod", "storage", "prod-logs")
    add_log_bucket(org, "acme-prod", "audit-archive", retention_days=400, locked=True, kms_key=logs_key)
    add_log_sink(
        org, f"organizations/{ORG}", "org-audit",
        "logging.googleapis.com/projects/acme-prod/locations/global/buckets/audit-archive",
        log_filter='logName:"cloudaudit.googleapis.com"', include_children=True,
    )  # fmt: skip

    # Patch state through OS Config: patched, a critical fix missing for 20 days, never reported.
    add_vm(org, "acme-prod", "web-1", updates=(("bash", "5.2.15-2+b7", None, None),))
    add_vm(org, "acme-prod", "api-1", updates=(("openssl", "3.0.14-1~deb12u1", "CRITICAL", 20),))
    add_vm(org, "acme-sandbox", "scratch-vm", zone="europe-west1-c", reported_days_ago=None)

    add_scc_services(org, f"organizations/{ORG}", "ENABLED", "ENABLED")
    add_scc_services(org, "acme-sandbox", "DISABLED", "DISABLED")
    # web-1's vulnerabilities: a critical one fixed within its week, a high one muted with
    # a justification; a misconfiguration that is not a vulnerability finding. Closed ones
    # only: their evidence does not move from run to run.
    add_finding(org, "acme-prod", "web-1", "CVE-2024-6387", "CRITICAL", created=40, fixed=36, cvss=8.1)
    add_finding(org, "acme-prod", "web-1", "CVE-2023-44487", "HIGH", created=45, muted=30,
                mute_initiator="olivia@acme.com: behind the load balancer's limits (RISK-9)")  # fmt: skip
    add_finding(org, "acme-prod", "web-1", "OPEN_FIREWALL", "HIGH", created=45,
                finding_class="MISCONFIGURATION", category="OPEN_FIREWALL")  # fmt: skip

    # acme-prod alerts on every CIS metric; acme-data has the metrics, but its firewall
    # alert is switched off and its audit-config one notifies nobody; acme-sandbox has none.
    for project in ("acme-prod", "acme-data"):
        for metric, log_filter in CIS_METRIC_FILTERS.items():
            add_log_metric(org, project, metric, log_filter)
        add_log_metric(org, project, "key-destruction", 'protoPayload.methodName="DestroyCryptoKeyVersion"')
    for metric in (*CIS_METRIC_FILTERS, "key-destruction"):
        add_alert_policy(org, "acme-prod", f"alert {metric}", metric)
    add_alert_policy(org, "acme-data", "alert project-ownership-changes", "project-ownership-changes")
    add_alert_policy(org, "acme-data", "alert firewall-changes", "firewall-changes", enabled=False)
    add_alert_policy(org, "acme-data", "alert audit-config-changes", "audit-config-changes", notify=False)
    return org


def synthetic_org(projects: int = 200, assets: int = 20_000) -> GcpOrg:
    """An organisation of `projects` projects in 10 folders holding about `assets` assets
    in all, spread evenly; mostly compliant, with a failure here and there."""
    org = GcpOrg("987654321098", "example.com")
    org.add_organization({"bindings": [binding("roles/owner", "group:admins@example.com")]})
    folders = [f"4000000000{i:02d}" for i in range(10)]
    for number in folders:
        org.add_folder(number, f"unit-{number[-2:]}", f"organizations/{org.organization}")
    add_scc_services(org, f"organizations/{org.organization}", "ENABLED", "ENABLED")
    # Per project: hierarchy (1), logging (4), SCC (3 at org level, amortised), then a mix.
    per_project = max(assets // projects - 5, 0)
    for p in range(projects):
        project_id = f"proj-{p:04d}"
        org.add_project(
            project_id,
            f"5{p:011d}",
            f"folders/{folders[p % len(folders)]}",
            {
                "bindings": [
                    binding("roles/editor", f"user:dev{p}@example.com"),
                    binding("roles/viewer", "group:all@example.com"),
                ]
            },
        )
        add_project_logging(org, project_id)
        key = kms_key_name(project_id, "ring", "key-0")
        for i in range(per_project):
            kind = i % 10
            if kind == 0:
                add_crypto_key(org, project_id, "ring", f"key-{i}", rotation_days=90 if i % 7 else 400)
            elif kind in (1, 2):
                add_bucket(
                    org,
                    project_id,
                    f"{project_id}-b{i}",
                    kms_key=key if i % 3 else None,
                    prevention="enforced",
                )
            elif kind == 3:
                add_sql_instance(org, project_id, f"db-{i}", kms_key=key)
            elif kind in (4, 5, 6):
                add_disk(org, project_id, f"disk-{i}", attached_to=f"vm-{i}")
            elif kind in (7, 8):
                add_firewall(
                    org, project_id, f"fw-{i}", allowed=(("tcp", ("22",) if i % 9 == 0 else ("443",)),)
                )
            else:
                add_service_account(
                    org, project_id, f"sa-{i}", keys=((f"{p:04d}{i:04d}" + "0" * 32, 30 + i, "USER_MANAGED"),)
                )
    return org
