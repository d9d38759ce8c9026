"""The Azure tenant the fake serves: two subscriptions and a directory that pass some
controls and fail others on purpose, in the JSON shapes Resource Manager and Microsoft
Graph answer (as the SDKs' REST specifications and Graph's v1.0 reference give them).

Production (`rg-prod`) is mostly sound, with a legacy corner: a public storage
account accepting TLS 1.0 over HTTP, an SQL server open to the Internet without
encryption or auditing, a key without rotation, an NSG open on SSH and RDP, an App
Service serving HTTP. Development (`rg-dev`) exports no activity log, keeps logs 30
days, has no Defender plan and an NSG open on every port. In the directory, one person
has no MFA, an administrator relies on SMS, a guest has none, and the "MFA for all
users" policy is only in report-only mode. Times are relative to now.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from evidra.emulators.azure_server import AzureTenant

TENANT_ID = "7f3c2a10-4b5e-4c6d-9e8f-0a1b2c3d4e5f"
CLIENT_ID = "5d1e6f70-8a9b-4c0d-b1e2-f3a4b5c6d7e8"
# A demo value: the fake accepts it, no Azure tenant does.
CLIENT_SECRET = "evidra-demo~client.secret_0123456789abcdefXYZ"  # noqa: S105
PRODUCTION = "1a2b3c4d-0000-4000-8000-00000000a001"
DEVELOPMENT = "1a2b3c4d-0000-4000-8000-00000000b002"
DOMAIN = "acme.onmicrosoft.com"
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
PRIVILEGED_ROLE_ADMINISTRATOR = "e8611ab8-c189-46e8-94e1-60213ab1f814"
USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"
IDENTITY_ADMINS_GROUP = "9c8b7a6d-2222-4000-8000-00000000000a"  # role-assignable, holds User Administrator
NOW = datetime.now(UTC).replace(microsecond=0)
_VNETS = "providers/Microsoft.Network/virtualNetworks"
VNET_PROD = f"/subscriptions/{PRODUCTION}/resourceGroups/rg-prod/{_VNETS}/vnet-prod"
VNET_SHARED = f"/subscriptions/{PRODUCTION}/resourceGroups/rg-prod/{_VNETS}/vnet-shared"
VNET_DEV = f"/subscriptions/{DEVELOPMENT}/resourceGroups/rg-dev/{_VNETS}/vnet-dev"


def at(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def subscription(subscription_id: str, name: str) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{subscription_id}",
        "subscriptionId": subscription_id,
        "tenantId": TENANT_ID,
        "displayName": name,
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "EnterpriseAgreement_2014-09-01",
            "spendingLimit": "Off",
        },
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "tags": {},
    }


def rid(subscription_id: str, group: str, provider: str, *path: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{provider}/" + "/".join(path)


def storage_account(
    subscription_id: str,
    group: str,
    name: str,
    *,
    public_blobs: bool = False,
    https_only: bool = True,
    tls: str = "TLS1_2",
    kind: str = "StorageV2",  # FileStorage: premium file shares only, no blob service
    network: str = "Deny",
    customer_key: bool = False,
    versioning: bool = True,
    logged_to: str | None = None,
    containers: dict[str, str] | None = None,
    classification: str | None = None,
    delete_after_days: int | None = None,
) -> list[dict[str, Any]]:
    account_id = rid(subscription_id, group, "Microsoft.Storage", "storageAccounts", name)
    tags = {"owner": "platform", **({"data-classification": classification} if classification else {})}
    encryption: dict[str, Any] = {
        "services": {
            "blob": {
                "keyType": "Account",
                "enabled": True,
                "lastEnabledTime": "2024-03-01T10:00:00.0000000Z",
            },
            "file": {
                "keyType": "Account",
                "enabled": True,
                "lastEnabledTime": "2024-03-01T10:00:00.0000000Z",
            },
        },
        "keySource": "Microsoft.Keyvault" if customer_key else "Microsoft.Storage",
        "requireInfrastructureEncryption": False,
    }
    if customer_key:
        encryption["keyvaultproperties"] = {
            "keyvaulturi": "https://acme-kv-prod.vault.azure.net/",
            "keyname": "data-key",
            "keyversion": "",
        }
    resources: list[dict[str, Any]] = [
        {
            "id": account_id,
            "name": name,
            "type": "Microsoft.Storage/storageAccounts",
            "location": "westeurope",
            "kind": kind,
            "sku": {"name": "Standard_ZRS", "tier": "Standard"},
            "tags": tags,
            "properties": {
                "provisioningState": "Succeeded",
                "creationTime": "2024-03-01T10:00:00.0000000Z",
                "primaryEndpoints": {"blob": f"https://{name}.blob.core.windows.net/"},
                "primaryLocation": "westeurope",
                "statusOfPrimary": "available",
                "supportsHttpsTrafficOnly": https_only,
                "minimumTlsVersion": tls,
                "allowBlobPublicAccess": public_blobs,
                "allowSharedKeyAccess": False,
                "publicNetworkAccess": "Enabled",
                "networkAcls": {
                    "bypass": "AzureServices",
                    "defaultAction": network,
                    "ipRules": [],
                    "virtualNetworkRules": [],
                },
                "encryption": encryption,
                "accessTier": "Hot",
            },
        },
        {
            "id": f"{account_id}/blobServices/default",
            "name": "default",
            "type": "Microsoft.Storage/storageAccounts/blobServices",
            "sku": {"name": "Standard_ZRS", "tier": "Standard"},
            "properties": {
                "isVersioningEnabled": versioning,
                "deleteRetentionPolicy": {"enabled": True, "days": 7},
                "containerDeleteRetentionPolicy": {"enabled": True, "days": 7},
                "cors": {"corsRules": []},
            },
        },
    ]
    if kind == "FileStorage":
        del resources[1]  # the blob service
        return resources
    for container, access in (containers or {"data": "None"}).items():
        resources.append(
            {
                "id": f"{account_id}/blobServices/default/containers/{container}",
                "name": container,
                "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
                "etag": '"0x8DC3A1B2C3D4E5F"',
                "properties": {
                    "publicAccess": access,
                    "leaseStatus": "Unlocked",
                    "leaseState": "Available",
                    "hasImmutabilityPolicy": False,
                    "hasLegalHold": False,
                    "deleted": False,
                    "remainingRetentionDays": 0,
                },
            }
        )
    if delete_after_days is not None:
        resources.append(management_policy(account_id, delete_after_days))
    if logged_to:
        resources.append(
            diagnostic_setting(
                f"{account_id}/blobServices/default",
                "blob-access-logs",
                logged_to,
                ["StorageRead", "StorageWrite", "StorageDelete"],
            )
        )
    return resources


def management_policy(account_id: str, delete_after_days: int) -> dict[str, Any]:
    """The account's lifecycle policy (always named `default`): block blobs deleted
    `delete_after_days` after their last change (Storage REST spec, ManagementPolicy)."""
    return {
        "id": f"{account_id}/managementPolicies/default",
        "name": "DefaultManagementPolicy",
        "type": "Microsoft.Storage/storageAccounts/managementPolicies",
        "properties": {
            "lastModifiedTime": "2024-06-01T10:00:00.0000000Z",
            "policy": {
                "rules": [
                    {
                        "enabled": True,
                        "name": "dispose-expired",
                        "type": "Lifecycle",
                        "definition": {
                            "filters": {"blobTypes": ["blockBlob"]},
                            "actions": {
                                "baseBlob": {
                                    "delete": {"daysAfterModificationGreaterThan": delete_after_days}
                                }
                            },
                        },
                    }
                ]
            },
        },
    }


def virtual_network(
    subscription_id: str, group: str, name: str, environment: str, cidr: str, peers: list[str]
) -> dict[str, Any]:
    """A virtual network (Network REST spec, VirtualNetwork) tagged with its environment,
    connected by peering to the networks whose ids are in `peers`."""
    network_id = rid(subscription_id, group, "Microsoft.Network", "virtualNetworks", name)
    return {
        "id": network_id,
        "name": name,
        "type": "Microsoft.Network/virtualNetworks",
        "location": "westeurope",
        "tags": {"environment": environment},
        "properties": {
            "provisioningState": "Succeeded",
            "addressSpace": {"addressPrefixes": [cidr]},
            "subnets": [],
            "virtualNetworkPeerings": [
                {
                    "id": f"{network_id}/virtualNetworkPeerings/to-{peer.rsplit('/', 1)[-1]}",
                    "name": f"to-{peer.rsplit('/', 1)[-1]}",
                    "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
                    "properties": {
                        "provisioningState": "Succeeded",
                        "peeringState": "Connected",
                        "peeringSyncLevel": "FullyInSync",
                        "remoteVirtualNetwork": {"id": peer},
                        "allowVirtualNetworkAccess": True,
                        "allowForwardedTraffic": False,
                        "allowGatewayTransit": False,
                        "useRemoteGateways": False,
                    },
                }
                for peer in peers
            ],
            "enableDdosProtection": False,
        },
    }


def application_gateway(
    subscription_id: str, group: str, name: str, ssl_policy: dict[str, Any], *, http_redirects: bool
) -> dict[str, Any]:
    """An Application Gateway (Network REST spec, ApplicationGateway) with an HTTPS listener
    and an HTTP one that redirects to it, or forwards plainly."""
    gateway_id = rid(subscription_id, group, "Microsoft.Network", "applicationGateways", name)
    https, http = f"{gateway_id}/httpListeners/https", f"{gateway_id}/httpListeners/http"
    rules = [
        {
            "id": f"{gateway_id}/requestRoutingRules/web",
            "name": "web",
            "properties": {"ruleType": "Basic", "priority": 100, "httpListener": {"id": https}},
        },
        {
            "id": f"{gateway_id}/requestRoutingRules/plain",
            "name": "plain",
            "properties": {
                "ruleType": "Basic",
                "priority": 200,
                "httpListener": {"id": http},
                **(
                    {"redirectConfiguration": {"id": f"{gateway_id}/redirectConfigurations/to-https"}}
                    if http_redirects
                    else {"backendAddressPool": {"id": f"{gateway_id}/backendAddressPools/web"}}
                ),
            },
        },
    ]
    return {
        "id": gateway_id,
        "name": name,
        "type": "Microsoft.Network/applicationGateways",
        "location": "westeurope",
        "etag": 'W/"00000000-0000-0000-0000-000000000001"',
        "tags": {},
        "properties": {
            "provisioningState": "Succeeded",
            "operationalState": "Running",
            "sku": {"name": "WAF_v2", "tier": "WAF_v2", "capacity": 2},
            "sslPolicy": ssl_policy,
            "httpListeners": [
                {"id": https, "name": "https", "properties": {"protocol": "Https", "hostNames": []}},
                {"id": http, "name": "http", "properties": {"protocol": "Http", "hostNames": []}},
            ],
            "requestRoutingRules": rules,
        },
    }


def recovery_vault(
    subscription_id: str, group: str, name: str, redundancy: str, key_uri: str | None = None
) -> dict[str, Any]:
    """A Recovery Services vault (RecoveryServices REST spec, Vault): its storage
    redundancy and, with `key_uri`, a customer-managed key."""
    properties: dict[str, Any] = {
        "provisioningState": "Succeeded",
        "redundancySettings": {
            "standardTierStorageRedundancy": redundancy,
            "crossRegionRestore": "Enabled" if redundancy == "GeoRedundant" else "Disabled",
        },
        "publicNetworkAccess": "Disabled",
        "securitySettings": {"softDeleteSettings": {"softDeleteState": "Enabled"}},
    }
    if key_uri:
        properties["encryption"] = {
            "keyVaultProperties": {"keyUri": key_uri},
            "kekIdentity": {"useSystemAssignedIdentity": True},
            "infrastructureEncryption": "Enabled",
        }
    return {
        "id": rid(subscription_id, group, "Microsoft.RecoveryServices", "vaults", name),
        "name": name,
        "type": "Microsoft.RecoveryServices/vaults",
        "location": "westeurope",
        "tags": {},
        "sku": {"name": "RS0", "tier": "Standard"},
        "properties": properties,
    }


def activity_log_alert(
    subscription_id: str, group: str, name: str, operation: str | None, *, enabled: bool = True
) -> dict[str, Any]:
    """An activity log alert (Microsoft.Insights/activityLogAlerts, api 2020-10-01) on one
    administrative operation (None: every one), notifying the security action group."""
    conditions: list[dict[str, Any]] = [{"field": "category", "equals": "Administrative"}]
    if operation:
        conditions.append({"field": "operationName", "equals": operation})
    return {
        "id": rid(subscription_id, group, "Microsoft.Insights", "activityLogAlerts", name),
        "name": name,
        "type": "Microsoft.Insights/ActivityLogAlerts",
        "location": "Global",
        "tags": {},
        "properties": {
            "scopes": [f"/subscriptions/{subscription_id}"],
            "condition": {"allOf": conditions},
            "actions": {
                "actionGroups": [
                    {
                        "actionGroupId": rid(
                            subscription_id, group, "Microsoft.Insights", "actionGroups", "security-team"
                        ),
                        "webhookProperties": {},
                    }
                ]
            },
            "enabled": enabled,
            "description": f"Alert on {operation or 'every administrative operation'}",
        },
    }


def diagnostic_setting(scope: str, name: str, workspace: str, categories: list[str]) -> dict[str, Any]:
    return {
        "id": f"{scope}/providers/microsoft.insights/diagnosticSettings/{name}",
        "name": name,
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {
            "workspaceId": workspace,
            "logs": [
                {"category": c, "enabled": True, "retentionPolicy": {"enabled": False, "days": 0}}
                for c in categories
            ],
            "metrics": [],
            "logAnalyticsDestinationType": None,
        },
    }


def sql_server(
    subscription_id: str,
    group: str,
    name: str,
    *,
    tls: str,
    public: bool,
    audited: bool,
    databases: dict[str, tuple[bool, int]],  # name -> (TDE on, backup retention days)
    classification: str | None = None,
) -> list[dict[str, Any]]:
    server_id = rid(subscription_id, group, "Microsoft.Sql", "servers", name)
    resources: list[dict[str, Any]] = [
        {
            "id": server_id,
            "name": name,
            "type": "Microsoft.Sql/servers",
            "location": "westeurope",
            "kind": "v12.0",
            "tags": {"data-classification": classification} if classification else {},
            "properties": {
                "administratorLogin": "sqladmin",
                "version": "12.0",
                "state": "Ready",
                "fullyQualifiedDomainName": f"{name}.database.windows.net",
                "privateEndpointConnections": [],
                "minimalTlsVersion": tls,
                "publicNetworkAccess": "Enabled" if public else "Disabled",
                "restrictOutboundNetworkAccess": "Disabled",
            },
        },
        {
            "id": f"{server_id}/auditingSettings/Default",
            "name": "Default",
            "type": "Microsoft.Sql/servers/auditingSettings",
            "properties": {
                "state": "Enabled" if audited else "Disabled",
                "auditActionsAndGroups": ["SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP", "BATCH_COMPLETED_GROUP"]
                if audited
                else [],
                "isAzureMonitorTargetEnabled": audited,
                "retentionDays": 0,
            },
        },
    ]
    for database, (tde, retention) in {"master": (True, 7), **databases}.items():
        database_id = f"{server_id}/databases/{database}"
        resources.extend(
            [
                {
                    "id": database_id,
                    "name": database,
                    "type": "Microsoft.Sql/servers/databases",
                    "location": "westeurope",
                    "kind": "v12.0,user" if database != "master" else "v12.0,system",
                    "sku": {"name": "GP_S_Gen5", "tier": "GeneralPurpose", "family": "Gen5", "capacity": 2},
                    "properties": {
                        "collation": "SQL_Latin1_General_CP1_CI_AS",
                        "status": "Online",
                        "databaseId": "b1c2d3e4-0000-4000-8000-" + f"{abs(hash(database_id)) % 10**12:012d}",
                        "creationDate": "2024-05-01T09:00:00Z",
                        "currentServiceObjectiveName": "GP_S_Gen5_2",
                        "zoneRedundant": False,
                        "requestedBackupStorageRedundancy": "Geo",
                    },
                },
                {
                    "id": f"{database_id}/transparentDataEncryption/Current",
                    "name": "Current",
                    "type": "Microsoft.Sql/servers/databases/transparentDataEncryption",
                    "properties": {"state": "Enabled" if tde else "Disabled"},
                },
                {
                    "id": f"{database_id}/backupShortTermRetentionPolicies/default",
                    "name": "default",
                    "type": "Microsoft.Sql/servers/databases/backupShortTermRetentionPolicies",
                    "properties": {"retentionDays": retention, "diffBackupIntervalInHours": 12},
                },
            ]
        )
    return resources


def flexible_server(
    subscription_id: str, group: str, provider: str, name: str, *, version: str, tls_required: bool
) -> list[dict[str, Any]]:
    """A PostgreSQL or MySQL flexible server and its `require_secure_transport` parameter,
    as the Microsoft.DBforPostgreSQL / Microsoft.DBforMySQL REST specifications give them
    (the parameter is `on` by default; `source` says whether someone changed it)."""
    server_id = rid(subscription_id, group, provider, "flexibleServers", name)
    value = "on" if tls_required else "off"
    return [
        {
            "id": server_id,
            "name": name,
            "type": f"{provider}/flexibleServers",
            "location": "westeurope",
            "sku": {"name": "Standard_D2ds_v4", "tier": "GeneralPurpose"},
            "tags": {},
            "properties": {
                "version": version,
                "state": "Ready",
                "fullyQualifiedDomainName": f"{name}.{provider.split('.')[-1].lower()}.database.azure.com",
                "storage": {"storageSizeGB": 128},
                "backup": {"backupRetentionDays": 7, "geoRedundantBackup": "Disabled"},
                "network": {"publicNetworkAccess": "Disabled"},
                "dataEncryption": {"type": "SystemManaged"},
                "highAvailability": {"mode": "Disabled"},
            },
        },
        {
            "id": f"{server_id}/configurations/require_secure_transport",
            "name": "require_secure_transport",
            "type": f"{provider}/flexibleServers/configurations",
            "properties": {
                "value": value,
                "defaultValue": "on",
                "dataType": "Boolean" if "PostgreSQL" in provider else "Enumeration",
                "allowedValues": "on,off",
                "source": "system-default" if tls_required else "user-override",
                "isReadOnly": False,
                "description": (
                    "Whether client connections to the server are required to use some form of secure "
                    "transport."
                ),
            },
        },
    ]


def disk(
    subscription_id: str, group: str, name: str, *, attached: bool, customer_key: bool
) -> dict[str, Any]:
    encryption: dict[str, Any] = {
        "type": "EncryptionAtRestWithCustomerKey" if customer_key else "EncryptionAtRestWithPlatformKey"
    }
    if customer_key:
        encryption["diskEncryptionSetId"] = rid(
            subscription_id, group, "Microsoft.Compute", "diskEncryptionSets", "des-prod"
        )
    return {
        "id": rid(subscription_id, group, "Microsoft.Compute", "disks", name),
        "name": name,
        "type": "Microsoft.Compute/disks",
        "location": "westeurope",
        "sku": {"name": "Premium_LRS", "tier": "Premium"},
        "properties": {
            "osType": "Linux",
            "creationData": {"createOption": "Empty"},
            "diskSizeGB": 128,
            "diskIOPSReadWrite": 500,
            "encryption": encryption,
            "timeCreated": "2024-06-01T08:00:00.0000000+00:00",
            "provisioningState": "Succeeded",
            "diskState": "Attached" if attached else "Unattached",
            "networkAccessPolicy": "DenyAll",
            "publicNetworkAccess": "Disabled",
        },
    }


def virtual_machine(
    subscription_id: str, group: str, name: str, *, assessment: dict[str, Any] | None, running: bool = True
) -> list[dict[str, Any]]:
    """A Linux VM (Compute `VirtualMachine`) with Azure Update Manager's periodic assessment,
    and its instance view (`VirtualMachineInstanceView`), whose `patchStatus` carries the
    latest assessment's `availablePatchSummary` (status, assessmentActivityId,
    rebootPending, criticalAndSecurityPatchCount, otherPatchCount, startTime,
    lastModifiedTime, error); None: never assessed (no patch status). Shapes from
    azure-mgmt-compute's models (`VirtualMachinePatchStatus`: "the available patch summary
    of the latest assessment operation for the virtual machine"; `AvailablePatchSummary`)
    and the REST spec that added them (Azure/azure-rest-api-specs PRs 10216 and 11768,
    compute.json 2020-06-01 and 2020-12-01)."""
    vm_id = rid(subscription_id, group, "Microsoft.Compute", "virtualMachines", name)
    vm = {
        "id": vm_id, "name": name, "type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
        "properties": {
            "vmId": str(uuid.uuid5(uuid.NAMESPACE_URL, vm_id)),
            "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
            "storageProfile": {
                "osDisk": {"osType": "Linux", "name": f"{name}_OsDisk", "createOption": "FromImage"}
            },
            "osProfile": {
                "computerName": name, "adminUsername": "azureuser",
                "linuxConfiguration": {
                    "disablePasswordAuthentication": True,
                    "patchSettings": {
                        "patchMode": "AutomaticByPlatform", "assessmentMode": "AutomaticByPlatform"
                    },
                },
            },
            "provisioningState": "Succeeded",
        },
    }  # fmt: skip
    view: dict[str, Any] = {
        "id": f"{vm_id}/instanceView",  # the fake's index key: Azure's answer has no id
        "computerName": name, "osName": "ubuntu", "osVersion": "22.04",
        "vmAgent": {"vmAgentVersion": "2.11.1.12", "statuses": []},
        "statuses": [
            {
                "code": "ProvisioningState/succeeded", "level": "Info",
                "displayStatus": "Provisioning succeeded",
            },
            {"code": "PowerState/running", "level": "Info", "displayStatus": "VM running"}
            if running
            else {"code": "PowerState/deallocated", "level": "Info", "displayStatus": "VM deallocated"},
        ],
    }  # fmt: skip
    if assessment is not None:
        view["patchStatus"] = {
            "availablePatchSummary": {
                "status": "Succeeded", "assessmentActivityId": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                "rebootPending": False, "criticalAndSecurityPatchCount": 0, "otherPatchCount": 0,
                **assessment,
            },
            "configurationStatuses": [],
        }  # fmt: skip
    return [vm, view]


def key_vault(
    subscription_id: str, group: str, name: str, keys: dict[str, str | None]
) -> list[dict[str, Any]]:
    """keys: name -> rotation period (ISO 8601 duration) or None (no rotation)."""
    vault_id = rid(subscription_id, group, "Microsoft.KeyVault", "vaults", name)
    resources: list[dict[str, Any]] = [
        {
            "id": vault_id,
            "name": name,
            "type": "Microsoft.KeyVault/vaults",
            "location": "westeurope",
            "tags": {},
            "properties": {
                "tenantId": TENANT_ID,
                "sku": {"family": "A", "name": "premium"},
                "vaultUri": f"https://{name}.vault.azure.net/",
                "enabledForDeployment": False,
                "enableSoftDelete": True,
                "softDeleteRetentionInDays": 90,
                "enableRbacAuthorization": True,
                "enablePurgeProtection": True,
                "publicNetworkAccess": "Disabled",
                "provisioningState": "Succeeded",
            },
        }
    ]
    created = int((NOW - timedelta(days=200)).timestamp())
    for key, period in keys.items():
        actions: list[dict[str, Any]] = [
            {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}
        ]
        if period:
            actions.insert(0, {"trigger": {"timeAfterCreate": period}, "action": {"type": "Rotate"}})
        resources.append(
            {
                "id": f"{vault_id}/keys/{key}",
                "name": key,
                "type": "Microsoft.KeyVault/vaults/keys",
                "location": "westeurope",
                "properties": {
                    "attributes": {
                        "enabled": True,
                        "exp": created + 2 * 365 * 86400,
                        "created": created,
                        "updated": created,
                        "recoveryLevel": "Recoverable",
                        "exportable": False,
                    },
                    "kty": "RSA-HSM",
                    "keyOps": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
                    "keySize": 3072,
                    "keyUri": f"https://{name}.vault.azure.net/keys/{key}",
                    "keyUriWithVersion": f"https://{name}.vault.azure.net/keys/{key}/4f2c1e0d9b8a7f6e5d4c3b2a19081726",
                    "rotationPolicy": {
                        "attributes": {"expiryTime": "P2Y", "created": created, "updated": created},
                        "lifetimeActions": actions,
                    },
                },
            }
        )
    return resources


def nsg(
    subscription_id: str, group: str, name: str, rules: list[tuple[str, int, str, str]]
) -> dict[str, Any]:
    """rules: (name, priority, source prefix, destination port range), inbound TCP allows."""
    group_id = rid(subscription_id, group, "Microsoft.Network", "networkSecurityGroups", name)

    def rule(rule_name: str, priority: int, source: str, ports: str, access: str = "Allow") -> dict[str, Any]:
        return {
            "id": f"{group_id}/securityRules/{rule_name}",
            "name": rule_name,
            "type": "Microsoft.Network/networkSecurityGroups/securityRules",
            "properties": {
                "provisioningState": "Succeeded",
                "protocol": "Tcp" if ports != "*" else "*",
                "sourcePortRange": "*",
                "destinationPortRange": ports,
                "sourceAddressPrefix": source,
                "destinationAddressPrefix": "*",
                "access": access,
                "priority": priority,
                "direction": "Inbound",
                "sourcePortRanges": [],
                "destinationPortRanges": [],
                "sourceAddressPrefixes": [],
                "destinationAddressPrefixes": [],
            },
        }

    defaults = [
        rule("AllowVnetInBound", 65000, "VirtualNetwork", "*"),
        rule("AllowAzureLoadBalancerInBound", 65001, "AzureLoadBalancer", "*"),
        rule("DenyAllInBound", 65500, "*", "*", access="Deny"),
    ]
    return {
        "id": group_id,
        "name": name,
        "type": "Microsoft.Network/networkSecurityGroups",
        "location": "westeurope",
        "etag": 'W/"2c1e0d9b-8a7f-4e5d-9c3b-2a1908172635"',
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": "9b8a7f6e-5d4c-4b2a-8908-172635443322",
            "securityRules": [rule(*r) for r in rules],
            "defaultSecurityRules": defaults,
            "subnets": [
                {
                    "id": rid(
                        subscription_id,
                        group,
                        "Microsoft.Network",
                        "virtualNetworks",
                        "vnet-main",
                        "subnets",
                        name.removeprefix("nsg-"),
                    )
                }
            ],
        },
    }


def pricings(subscription_id: str, standard: set[str]) -> list[dict[str, Any]]:
    plans = [
        "VirtualMachines",
        "SqlServers",
        "AppServices",
        "StorageAccounts",
        "KeyVaults",
        "Arm",
        "Containers",
        "CloudPosture",
    ]
    return [
        {
            "id": f"/subscriptions/{subscription_id}/providers/Microsoft.Security/pricings/{plan}",
            "name": plan,
            "type": "Microsoft.Security/pricings",
            "properties": {
                "pricingTier": "Standard" if plan in standard else "Free",
                "freeTrialRemainingTime": "PT0S",
                **(
                    {"subPlan": "P2", "enablementTime": "2024-02-01T00:00:00Z"}
                    if plan == "VirtualMachines" and plan in standard
                    else {}
                ),
            },
        }
        for plan in plans
    ]


# Defender's assessment keys (the recommendation's id): machines' vulnerability findings,
# and registry images' (Microsoft's "Container vulnerability assessments REST API" page).
MACHINE_VULNERABILITIES = "1195afff-c881-495e-9bc5-1486211ae03f"
REGISTRY_VULNERABILITIES = "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5"


def assessment(
    resource_id: str,
    key: str,
    code: str,
    *,
    first: float,
    changed: float,
    cause: str | None = None,
    description: str | None = None,
    display: str = "Machines should have vulnerability findings resolved",
) -> dict[str, Any]:
    """A Defender assessment (API 2021-06-01, the ListAssessments example's shape) whose
    status began `first` days ago and last changed `changed` days ago."""
    status: dict[str, Any] = {"code": code, "firstEvaluationDate": at(first), "statusChangeDate": at(changed)}
    if cause:
        status["cause"] = cause
    if description:
        status["description"] = description
    return {
        "id": f"{resource_id}/providers/Microsoft.Security/assessments/{key}",
        "name": key,
        "type": "Microsoft.Security/assessments",
        "properties": {
            "resourceDetails": {"source": "Azure", "id": resource_id},
            "displayName": display,
            "status": status,
        },
    }


def sub_assessment(
    parent: dict[str, Any],
    cve: str,
    title: str,
    severity: str,
    code: str,
    generated: float,
    *,
    cvss: float = 7.5,
    cause: str | None = None,
    description: str | None = None,
    assessed_type: str = "ServerVulnerabilityAssessment",
) -> dict[str, Any]:
    """A vulnerability found on `parent`'s resource (API 2019-01-01-preview, the shape of
    the ListSubscriptionSubAssessments example), as a scanner reported it `generated` days ago."""
    name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{parent['id']}/{cve}"))
    status: dict[str, Any] = {"code": code, "severity": severity}
    if cause:
        status["cause"] = cause
    status["description"] = description or {
        "Healthy": "The resource is healthy",
        "Unhealthy": "The resource is unhealthy",
    }.get(code, "")
    return {
        "id": f"{parent['id']}/subAssessments/{name}",
        "name": name,
        "type": "Microsoft.Security/assessments/subAssessments",
        "properties": {
            "id": cve,
            "displayName": title,
            "status": status,
            "resourceDetails": parent["properties"]["resourceDetails"],
            "remediation": f"Update the package that {cve} affects.",
            "impact": "3",
            "category": "Ubuntu",
            "description": f"{title} ({cve})",
            "timeGenerated": at(generated).replace("Z", ".7644808Z"),
            "additionalData": {
                "assessedResourceType": assessed_type,
                "type": "Vulnerability",
                "cvss": {"2.0": {"base": cvss}, "3.0": {"base": cvss}},
                "patchable": True,
                "cve": [{"title": cve, "link": f"https://nvd.nist.gov/vuln/detail/{cve}"}],
                "publishedTime": at(400),
            },
        },
    }


def defender_findings(subscription_id: str, group: str) -> list[dict[str, Any]]:
    """The demo's web server had a critical vulnerability, fixed (first seen before evidra
    ran, so counted from the machine's first evaluation: late); the build server is
    exempted, with a justification; a SQL vulnerability assessment rule is no vulnerability.
    Closed findings only: their evidence does not move from run to run."""
    web = rid(subscription_id, group, "Microsoft.Compute", "virtualMachines", "vm-web-01")
    build = rid(subscription_id, group, "Microsoft.Compute", "virtualMachines", "vm-build-01")
    fixed = assessment(web, MACHINE_VULNERABILITIES, "Healthy", first=200, changed=40)
    waived = assessment(build, MACHINE_VULNERABILITIES, "NotApplicable", first=200, changed=20,
                        cause="Exempt", description="Waiver: build network only (RISK-7)")  # fmt: skip
    return [
        fixed,
        waived,
        sub_assessment(fixed, "CVE-2024-6387", "OpenSSH regreSSHion", "High", "Healthy", 40, cvss=9.8),
        sub_assessment(waived, "CVE-2023-44487", "HTTP/2 Rapid Reset", "High", "NotApplicable", 20,
                       cause="Exempt", description="Disabled parent assessment"),
        sub_assessment(fixed, "VA2108", "Minimal set of principals", "High", "Unhealthy", 1,
                       assessed_type="SqlServerVulnerability"),
    ]  # fmt: skip


def workspace(subscription_id: str, group: str, name: str, retention: int) -> dict[str, Any]:
    return {
        "id": rid(subscription_id, group, "Microsoft.OperationalInsights", "workspaces", name),
        "name": name,
        "type": "Microsoft.OperationalInsights/workspaces",
        "location": "westeurope",
        "properties": {
            "customerId": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
            "provisioningState": "Succeeded",
            "sku": {"name": "PerGB2018"},
            "retentionInDays": retention,
            "workspaceCapping": {
                "dailyQuotaGb": -1.0,
                "quotaNextResetTime": at(-1),
                "dataIngestionStatus": "RespectQuota",
            },
            "publicNetworkAccessForIngestion": "Enabled",
            "publicNetworkAccessForQuery": "Enabled",
            "features": {"enableLogAccessUsingOnlyResourcePermissions": True},
        },
    }


def web_app(
    subscription_id: str, group: str, name: str, *, https_only: bool, tls: str
) -> list[dict[str, Any]]:
    site_id = rid(subscription_id, group, "Microsoft.Web", "sites", name)
    return [
        {
            "id": site_id,
            "name": name,
            "type": "Microsoft.Web/sites",
            "kind": "app,linux",
            "location": "West Europe",
            "properties": {
                "state": "Running",
                "enabled": True,
                "hostNames": [f"{name}.azurewebsites.net"],
                "defaultHostName": f"{name}.azurewebsites.net",
                "httpsOnly": https_only,
                "clientCertEnabled": False,
                "publicNetworkAccess": "Enabled",
                "siteConfig": None,
                "lastModifiedTimeUtc": at(3),
            },
        },
        {
            "id": f"{site_id}/config/web",
            "name": name,
            "type": "Microsoft.Web/sites/config",
            "location": "West Europe",
            "properties": {
                "minTlsVersion": tls,
                "ftpsState": "FtpsOnly",
                "http20Enabled": True,
                "alwaysOn": True,
            },
        },
    ]


def arm_resources() -> list[dict[str, Any]]:
    prod, dev = ("rg-prod", "rg-dev")
    workspace_id = rid(PRODUCTION, prod, "Microsoft.OperationalInsights", "workspaces", "acme-logs")
    return [
        *storage_account(
            PRODUCTION,
            prod,
            "acmeprodlogs",
            customer_key=True,
            logged_to=workspace_id,
            classification="Internal",
            delete_after_days=400,
            containers={"insights-logs": "None", "backups": "None"},
        ),
        *storage_account(
            PRODUCTION,
            prod,
            "acmepublicassets",
            public_blobs=True,
            https_only=False,
            tls="TLS1_0",
            network="Allow",
            versioning=False,
            containers={"public": "Blob", "private": "None"},
        ),
        *storage_account(PRODUCTION, prod, "acmeprodshares", kind="FileStorage", versioning=False),
        *sql_server(
            PRODUCTION,
            prod,
            "acme-sql-prod",
            tls="1.2",
            public=False,
            audited=True,
            databases={"orders": (True, 14)},
            classification="Confidential",
        ),
        *sql_server(
            PRODUCTION,
            prod,
            "acme-sql-legacy",
            tls="1.0",
            public=True,
            audited=False,
            databases={"legacy": (False, 7)},
        ),
        *flexible_server(
            PRODUCTION, prod, "Microsoft.DBforPostgreSQL", "acme-pg-prod", version="16", tls_required=True
        ),
        *flexible_server(
            DEVELOPMENT,
            "rg-dev",
            "Microsoft.DBforMySQL",
            "acme-mysql-dev",
            version="8.0.21",
            tls_required=False,
        ),
        disk(PRODUCTION, prod, "vm-web-01_OsDisk", attached=True, customer_key=False),
        disk(PRODUCTION, prod, "data-archive", attached=False, customer_key=True),
        # Update Manager's assessments: current, missing security updates, never assessed.
        *virtual_machine(
            PRODUCTION,
            prod,
            "vm-web-01",
            assessment={"startTime": at(0.6), "lastModifiedTime": at(0.5), "otherPatchCount": 2},
        ),
        *virtual_machine(
            PRODUCTION,
            prod,
            "vm-legacy-01",
            assessment={"startTime": at(1.1), "lastModifiedTime": at(1), "criticalAndSecurityPatchCount": 3},
        ),
        *virtual_machine(DEVELOPMENT, dev, "vm-build-01", assessment=None),
        *virtual_machine(DEVELOPMENT, dev, "vm-spare-01", assessment=None, running=False),
        *key_vault(PRODUCTION, prod, "acme-kv-prod", {"data-key": "P90D", "legacy-key": None}),
        diagnostic_setting(
            f"/subscriptions/{PRODUCTION}",
            "export-activity-log",
            workspace_id,
            ["Administrative", "Security", "Policy", "Alert"],
        ),
        workspace(PRODUCTION, prod, "acme-logs", 365),
        # Production peers with its shared-services network (fine) and with development (not).
        virtual_network(PRODUCTION, prod, "vnet-prod", "production", "10.1.0.0/16", [VNET_SHARED, VNET_DEV]),
        virtual_network(PRODUCTION, prod, "vnet-shared", "production", "10.2.0.0/16", []),
        # Production's backups go to the paired region too, under a customer key; development's stay local.
        recovery_vault(
            PRODUCTION,
            prod,
            "rsv-prod",
            "GeoRedundant",
            "https://acme-kv-prod.vault.azure.net/keys/backup-key",
        ),
        recovery_vault(DEVELOPMENT, "rg-dev", "rsv-dev", "LocallyRedundant"),
        application_gateway(
            PRODUCTION,
            prod,
            "agw-shop",
            {"policyType": "Predefined", "policyName": "AppGwSslPolicy20220101S"},
            http_redirects=True,
        ),
        application_gateway(
            PRODUCTION,
            prod,
            "agw-legacy",
            {"policyType": "Predefined", "policyName": "AppGwSslPolicy20150501"},
            http_redirects=False,
        ),
        virtual_network(DEVELOPMENT, "rg-dev", "vnet-dev", "development", "10.9.0.0/16", [VNET_PROD]),
        # CIS Azure 5.2: alerts on policy assignments, NSG and security solution changes, and key vaults;
        # nothing on SQL or Azure firewalls, and the subscription-wide one is switched off.
        activity_log_alert(
            PRODUCTION, prod, "policy-assignments", "Microsoft.Authorization/policyAssignments/write"
        ),
        activity_log_alert(PRODUCTION, prod, "nsg-changes", "Microsoft.Network/networkSecurityGroups/write"),
        activity_log_alert(
            PRODUCTION, prod, "security-solutions", "Microsoft.Security/securitySolutions/write"
        ),
        activity_log_alert(PRODUCTION, prod, "key-vault-deletion", "Microsoft.KeyVault/vaults/delete"),
        activity_log_alert(PRODUCTION, prod, "everything", None, enabled=False),
        nsg(PRODUCTION, prod, "nsg-web", [("AllowHttpsInbound", 100, "Internet", "443")]),
        nsg(
            PRODUCTION,
            prod,
            "nsg-admin",
            [("AllowSshInbound", 100, "*", "22"), ("AllowRdpInbound", 110, "Internet", "3389")],
        ),
        *pricings(PRODUCTION, {"VirtualMachines", "SqlServers", "StorageAccounts", "KeyVaults", "Arm"}),
        *defender_findings(PRODUCTION, prod),
        *web_app(PRODUCTION, prod, "acme-api", https_only=True, tls="1.2"),
        *web_app(PRODUCTION, prod, "acme-legacy-portal", https_only=False, tls="1.0"),
        *storage_account(DEVELOPMENT, dev, "acmedevscratch", versioning=False),
        workspace(DEVELOPMENT, dev, "acme-dev-logs", 30),
        nsg(DEVELOPMENT, dev, "nsg-dev", [("AllowAnyInbound", 100, "0.0.0.0/0", "*")]),
        *pricings(DEVELOPMENT, set()),
    ]


PEOPLE = [
    # (object id, name, type, enabled, days since last sign-in, methods, roles)
    ("0a1b2c3d-1111-4000-8000-000000000001", "alice", "Member", True, 1,
     ["fido2", "microsoftAuthenticatorPush"], [GLOBAL_ADMINISTRATOR]),
    ("0a1b2c3d-1111-4000-8000-000000000002", "bob", "Member", True, 2, ["softwareOneTimePasscode"], []),
    ("0a1b2c3d-1111-4000-8000-000000000003", "carol", "Member", True, 5, [], []),
    ("0a1b2c3d-1111-4000-8000-000000000004", "dave", "Member", True, 1,
     ["mobilePhone"], [PRIVILEGED_ROLE_ADMINISTRATOR]),
    ("0a1b2c3d-1111-4000-8000-000000000005", "erin", "Member", False, 200, [], []),
    ("0a1b2c3d-1111-4000-8000-000000000006", "partner_contoso.com#EXT#", "Guest", True, 20, [], []),
]  # fmt: skip
ROLE_NAMES = {
    GLOBAL_ADMINISTRATOR: "Global Administrator",
    PRIVILEGED_ROLE_ADMINISTRATOR: "Privileged Role Administrator",
    USER_ADMINISTRATOR: "User Administrator",
}
BOB, CAROL = PEOPLE[1][0], PEOPLE[2][0]


def role_definition(role: str) -> dict[str, Any]:
    return {
        "id": role,
        "templateId": role,
        "displayName": ROLE_NAMES[role],
        "isBuiltIn": True,
        "isEnabled": True,
    }


# Intune (Graph v1.0 reference: managedDevice, windows10CompliancePolicy,
# macOSCompliancePolicy, deviceCompliancePolicyState). Alice's laptop complies with a
# policy locking after 5 minutes with Defender on; bob's is unencrypted and complies with
# nothing; carol's Mac complies with a 30-minute policy; dave's phone is on an old iOS.
WINDOWS_POLICY = "c0000000-0000-4000-8000-000000000001"
MACOS_POLICY = "c0000000-0000-4000-8000-000000000002"


def intune_devices() -> dict[str, Any]:
    policies = [
        {
            "@odata.type": "#microsoft.graph.windows10CompliancePolicy",
            "id": WINDOWS_POLICY,
            "displayName": "Windows baseline",
            "passwordRequired": True,
            "passwordMinutesOfInactivityBeforeLock": 5,
            "defenderEnabled": True,
            "rtpEnabled": True,
            "bitLockerEnabled": True,
        },
        {
            "@odata.type": "#microsoft.graph.macOSCompliancePolicy",
            "id": MACOS_POLICY,
            "displayName": "macOS baseline",
            "passwordRequired": True,
            "passwordMinutesOfInactivityBeforeLock": 30,
            "storageRequireEncryption": True,
        },
    ]
    devices = [
        ("d0000000-0000-4000-8000-000000000001", "ALICE-LAPTOP", "alice", "Windows", "10.0.22631.4460", True,
         [(WINDOWS_POLICY, "compliant")], 1),
        ("d0000000-0000-4000-8000-000000000002", "BOB-LAPTOP", "bob", "Windows", "10.0.19045.5131", False,
         [(WINDOWS_POLICY, "nonCompliant")], 2),
        ("d0000000-0000-4000-8000-000000000003", "carol-mac", "carol", "macOS", "15.1.1", True,
         [(MACOS_POLICY, "compliant")], 1),
        ("d0000000-0000-4000-8000-000000000004", "dave-iphone", "dave", "iOS", "16.7.10", True, [], 40),
    ]  # fmt: skip
    graph: dict[str, Any] = {"/deviceManagement/deviceCompliancePolicies": policies}
    managed = []
    for device_id, name, user, system, version, encrypted, states, synced in devices:
        managed.append(
            {
                "id": device_id,
                "deviceName": name,
                "userPrincipalName": f"{user}@{DOMAIN}",
                "emailAddress": f"{user}@{DOMAIN}",
                "operatingSystem": system,
                "osVersion": version,
                "isEncrypted": encrypted,
                "complianceState": "compliant"
                if all(s == "compliant" for _, s in states)
                else "noncompliant",
                "managementState": "managed",
                "lastSyncDateTime": at(synced),
                "jailBroken": "False",
                "managedDeviceOwnerType": "company",
                "deviceType": "windowsRT" if system == "Windows" else system.lower(),
            }
        )
        names = {p["id"]: p["displayName"] for p in policies}
        graph[f"/deviceManagement/managedDevices/{device_id}/deviceCompliancePolicyStates"] = [
            {
                "id": policy,
                "displayName": names[policy],
                "state": state,
                "platformType": "windows10AndLater" if system == "Windows" else "macOS",
                "settingCount": 3,
                "version": 1,
                "settingStates": [],
            }
            for policy, state in states
        ]
    graph["/deviceManagement/managedDevices"] = managed
    return graph


def privileged_access() -> dict[str, Any]:
    """Privilege held other than by a direct active assignment: bob through membership of a
    role-assignable group that holds User Administrator, carol as a PIM-eligible Global
    Administrator (unifiedRoleEligibilityScheduleInstance, Graph v1.0; a role-assignable
    group cannot contain other groups, so its direct members are all its members)."""
    return {
        "/groups": [
            {
                "id": IDENTITY_ADMINS_GROUP,
                "displayName": "sg-identity-admins",
                "isAssignableToRole": True,
                "securityEnabled": True,
                "mailEnabled": False,
            },
            {
                "id": "9c8b7a6d-2222-4000-8000-00000000000b",
                "displayName": "all-staff",
                "isAssignableToRole": False,
                "securityEnabled": True,
                "mailEnabled": False,
            },
        ],
        f"/groups/{IDENTITY_ADMINS_GROUP}/members": [
            {"@odata.type": "#microsoft.graph.user", "id": BOB, "userPrincipalName": f"bob@{DOMAIN}"}
        ],
        "/roleManagement/directory/roleEligibilityScheduleInstances": [
            {
                "id": "Ed0b6lGLGUGbKXhpeY1mAu-eligible-carol",
                "principalId": CAROL,
                "roleDefinitionId": GLOBAL_ADMINISTRATOR,
                "directoryScopeId": "/",
                "appScopeId": None,
                "startDateTime": at(30),
                "endDateTime": None,
                "memberType": "Direct",
                "roleEligibilityScheduleId": "f2d1c0b9-3333-4000-8000-000000000001",
                "roleDefinition": role_definition(GLOBAL_ADMINISTRATOR),
            }
        ],
    }


def graph_directory() -> dict[str, Any]:
    users, registrations, assignments = [], [], []
    for object_id, name, kind, enabled, last, methods, roles in PEOPLE:
        upn = f"{name}@{DOMAIN}"
        users.append(
            {
                "id": object_id,
                "userPrincipalName": upn,
                "displayName": name.split("_")[0].capitalize(),
                "accountEnabled": enabled,
                "userType": kind,
                "createdDateTime": at(400),
                "externalUserState": "Accepted" if kind == "Guest" else None,
                "signInActivity": {
                    "lastSignInDateTime": at(last),
                    "lastSignInRequestId": "8e2d1c0b-0000-4000-8000-00000000f001",
                    "lastNonInteractiveSignInDateTime": at(last),
                    "lastSuccessfulSignInDateTime": at(last),
                },
                "mobilePhone": "+1 555 0100",
            }
        )
        registrations.append(
            {
                "id": object_id,
                "userPrincipalName": upn,
                "userDisplayName": name.capitalize(),
                "userType": kind.lower(),
                "isAdmin": bool(roles),
                "isSsprRegistered": bool(methods),
                "isSsprEnabled": True,
                "isSsprCapable": bool(methods),
                "isMfaRegistered": bool(methods),
                "isMfaCapable": bool(methods),
                "isPasswordlessCapable": "fido2" in methods,
                "methodsRegistered": methods,
                "isSystemPreferredAuthenticationMethodEnabled": True,
                "systemPreferredAuthenticationMethods": methods[:1],
                "userPreferredMethodForSecondaryAuthentication": "push"
                if "microsoftAuthenticatorPush" in methods
                else "none",
                "lastUpdatedDateTime": at(0.5),
            }
        )
        for role in roles:
            assignments.append(
                {
                    "id": f"{role[:8]}-{object_id[-12:]}",
                    "principalId": object_id,
                    "directoryScopeId": "/",
                    "roleDefinitionId": role,
                    "roleDefinition": role_definition(role),
                }
            )
    assignments.append(
        {
            "id": f"{USER_ADMINISTRATOR[:8]}-{IDENTITY_ADMINS_GROUP[-12:]}",
            "principalId": IDENTITY_ADMINS_GROUP,
            "directoryScopeId": "/",
            "roleDefinitionId": USER_ADMINISTRATOR,
            "roleDefinition": role_definition(USER_ADMINISTRATOR),
        }
    )
    return {
        **privileged_access(),
        **intune_devices(),
        "/users": users,
        "/reports/authenticationMethods/userRegistrationDetails": registrations,
        "/roleManagement/directory/roleAssignments": assignments,
        "/identity/conditionalAccess/policies": [
            ca_policy(
                "a1000000-0000-4000-8000-000000000001",
                "Require MFA for administrators",
                "enabled",
                {"includeRoles": [GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR]},
                ["mfa"],
            ),
            ca_policy(
                "a1000000-0000-4000-8000-000000000002",
                "Require MFA for all users",
                "enabledForReportingButNotEnforced",
                {"includeUsers": ["All"], "excludeUsers": [PEOPLE[0][0]]},
                ["mfa"],
            ),
            ca_policy(
                "a1000000-0000-4000-8000-000000000003",
                "Block legacy authentication",
                "enabled",
                {"includeUsers": ["All"]},
                ["block"],
                client_apps=["exchangeActiveSync", "other"],
            ),
        ],
        "/policies/identitySecurityDefaultsEnforcementPolicy": {
            "id": "00000000-0000-0000-0000-000000000005",
            "displayName": "Security Defaults",
            "description": "Security defaults is a set of basic identity security mechanisms.",
            "isEnabled": False,
        },
    }


def ca_policy(
    policy_id: str,
    name: str,
    state: str,
    users: dict[str, list[str]],
    controls: list[str],
    client_apps: list[str] | None = None,
) -> dict[str, Any]:
    every: dict[str, list[str]] = {
        "includeUsers": [],
        "excludeUsers": [],
        "includeGroups": [],
        "excludeGroups": [],
        "includeRoles": [],
        "excludeRoles": [],
    }
    return {
        "id": policy_id,
        "displayName": name,
        "createdDateTime": at(300),
        "modifiedDateTime": at(30),
        "state": state,
        "conditions": {
            "userRiskLevels": [],
            "signInRiskLevels": [],
            "clientAppTypes": client_apps or ["all"],
            "applications": {"includeApplications": ["All"], "excludeApplications": []},
            "users": {**every, **users},
            "platforms": None,
            "locations": None,
        },
        "grantControls": {
            "operator": "OR",
            "builtInControls": controls,
            "customAuthenticationFactors": [],
            "termsOfUse": [],
        },
        "sessionControls": None,
    }


def demo_tenant() -> AzureTenant:
    return AzureTenant(
        tenant_id=TENANT_ID,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        subscriptions=[subscription(PRODUCTION, "Production"), subscription(DEVELOPMENT, "Development")],
        resources=arm_resources(),
        graph=graph_directory(),
    )
