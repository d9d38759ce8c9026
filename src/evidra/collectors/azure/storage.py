"""Storage accounts (storage.bucket), and their endpoints' TLS (network.endpoint).

Per account: encryption and its key source, HTTPS only, minimum TLS, anonymous blob
access (allowed by the account and granted by some container), network default
action, blob versioning, and whether blob reads and writes are logged (a diagnostic
setting on the blob service). Azure encrypts every account at rest; a customer key
lives in Key Vault (`keySource: Microsoft.Keyvault`). An account of kind FileStorage
(premium file shares) has no blob service (Azure answers 400
FeatureNotSupportedForAccount): its blob reads are skipped, and blob versioning and blob
access logging are `inapplicable` to it; Azure Files allows no anonymous access.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.azure.context import ARM, READERS, Arm, resource_group
from evidra.collectors.azure.tls import min_tls_protocol
from evidra.collectors.tags import classification_of
from evidra.model import ApiCall, Observation

PUBLIC_CONTAINER_ACCESS = frozenset({"Blob", "Container"})
BLOB_LOG_CATEGORIES = frozenset({"StorageRead", "StorageWrite", "StorageDelete"})


def storage_accounts(arm: Arm) -> tuple[list[dict[str, Any]], ApiCall]:
    """Shared with the activity log reader, which names accounts as log destinations."""
    result: tuple[list[dict[str, Any]], ApiCall] = arm.shared(
        "storage_accounts",
        lambda: arm.items("storage", "storageAccounts.list", lambda c: c.storage_accounts.list()),
    )
    return result


@READERS.reader("azure.storage", types=("storage.bucket", "network.endpoint"), plane=ARM)
def read_storage(arm: Arm) -> list[Observation]:
    accounts, list_call = storage_accounts(arm)
    observations = []
    for account in accounts:
        observations.extend(_read_account(arm, account, list_call))
    return observations


def _read_account(arm: Arm, account: dict[str, Any], list_call: ApiCall) -> list[Observation]:
    account_id, name = account["id"], account["name"]
    group = resource_group(account_id)
    if account.get("kind") == "FileStorage":
        return _observe(arm, account, list_call, None, [], [], None, [list_call])
    blob, blob_call = arm.get(
        "storage",
        "blobServices.getServiceProperties",
        lambda c: c.blob_services.get_service_properties(group, name),
        resourceGroupName=group,
        accountName=name,
    )
    containers, containers_call = arm.items(
        "storage",
        "blobContainers.list",
        lambda c: c.blob_containers.list(group, name),
        resourceGroupName=group,
        accountName=name,
    )
    settings, settings_call = arm.items(
        "monitor",
        "diagnosticSettings.list",
        lambda c: c.diagnostic_settings.list(f"{account_id}/blobServices/default"),
        resourceUri=f"{account_id}/blobServices/default",
    )
    # The lifecycle policy is always named `default`; none configured answers 404.
    lifecycle, lifecycle_call = arm.get(
        "storage",
        "managementPolicies.get",
        lambda c: c.management_policies.get(group, name, "default"),
        resourceGroupName=group,
        accountName=name,
    )
    return _observe(
        arm,
        account,
        list_call,
        blob,
        containers,
        settings,
        lifecycle,
        [list_call, blob_call, containers_call, settings_call, lifecycle_call],
    )


def _observe(
    arm: Arm,
    account: dict[str, Any],
    list_call: ApiCall,
    blob: dict[str, Any] | None,
    containers: list[dict[str, Any]],
    settings: list[dict[str, Any]],
    lifecycle: dict[str, Any] | None,
    calls: list[ApiCall],
) -> list[Observation]:
    account_id, name = account["id"], account["name"]
    props = account.get("properties") or {}
    file_storage = account.get("kind") == "FileStorage"
    encryption = props.get("encryption") or {}
    key_source = encryption.get("keySource")
    vault = encryption.get("keyvaultproperties") or {}
    customer_key = key_source == "Microsoft.Keyvault"
    public_containers = sorted(
        c["name"]
        for c in containers
        if (c.get("properties") or {}).get("publicAccess") in PUBLIC_CONTAINER_ACCESS
    )
    anonymous_allowed = props.get("allowBlobPublicAccess") is not False
    network_open = props.get("publicNetworkAccess") != "Disabled"
    https_only = props.get("supportsHttpsTrafficOnly") is not False
    minimum = props.get("minimumTlsVersion")
    no_blobs = "a FileStorage account has no blob service (file shares only)"
    raw = {
        "storageAccount": account,
        "blobServiceProperties": blob,
        "blobContainers": [{"name": c["name"], **(c.get("properties") or {})} for c in containers],
        "diagnosticSettings": settings,
        "managementPolicy": lifecycle,
    }
    bucket = arm.observe(
        "storage.bucket",
        account_id,
        name=name,
        attributes={
            "encrypted": bool(key_source),
            "encryption_algorithm": key_source,
            "kms_key": _key_url(vault) if customer_key else None,
            "public_access_blocked": not anonymous_allowed,
            "policy_grants_public": False,  # Azure Storage has no resource policies
            "acl_grants_public": bool(public_containers),
            "public": anonymous_allowed and network_open and bool(public_containers),
            "tls_only": https_only,
            "region": account.get("location"),
            "versioning": bool(((blob or {}).get("properties") or {}).get("isVersioningEnabled")),
            "access_logging": any(logs_blob_access(s) for s in settings),
            "network_default_action": (props.get("networkAcls") or {}).get("defaultAction"),
            "classification": classification_of(account.get("tags")),
            "lifecycle_expiry": deletes_expired_blobs(lifecycle),
            **(
                {
                    "inapplicable": {
                        "versioning": no_blobs,
                        "access_logging": no_blobs,
                        "lifecycle_expiry": no_blobs,
                    }
                }
                if file_storage
                else {}
            ),
        },
        raw=raw,
        calls=calls,
    )
    endpoint = arm.observe(
        "network.endpoint",
        account_id,
        name=f"{name} (storage account)",
        attributes={
            "kind": "storage_account",
            "protocol": "HTTPS",
            "tls_policy": minimum,
            "min_tls_protocol": min_tls_protocol(minimum),
            "plaintext_allowed": not https_only,
            "region": account.get("location"),
        },
        raw={"storageAccount": account},
        calls=[list_call],
    )
    return [bucket, endpoint]


def deletes_expired_blobs(policy: dict[str, Any] | None) -> bool:
    """An enabled lifecycle rule deletes base blobs after some days (a rule deleting only
    snapshots or old versions disposes of nothing current)."""
    rules = (((policy or {}).get("properties") or {}).get("policy") or {}).get("rules") or []
    for rule in rules:
        delete = (((rule.get("definition") or {}).get("actions") or {}).get("baseBlob") or {}).get("delete")
        if rule.get("enabled", True) and delete:
            return True
    return False


def logs_blob_access(setting: dict[str, Any]) -> bool:
    props = setting.get("properties") or {}
    has_destination = any(
        props.get(k) for k in ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId")
    )
    categories = {
        log.get("category") or log.get("categoryGroup")
        for log in props.get("logs") or []
        if log.get("enabled")
    }
    return has_destination and bool(categories & (BLOB_LOG_CATEGORIES | {"audit", "allLogs"}))


def _key_url(vault: dict[str, Any]) -> str | None:
    uri, key = vault.get("keyvaulturi"), vault.get("keyname")
    return f"{uri.rstrip('/')}/keys/{key}" if uri and key else uri
