"""Azure Database for PostgreSQL and for MySQL flexible servers (database.instance).

Per server: storage encryption (always on; a customer key when `dataEncryption` names
one), public network access, backup retention, and whether unencrypted connections are
refused: the server parameter `require_secure_transport` (ON by default on both
engines; Azure lets a customer turn it off).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evidra.collectors.azure.context import ARM, READERS, Arm, resource_group
from evidra.model import Observation

ENGINES = {"postgresql": "azure-postgresql-flexible", "mysql": "azure-mysql-flexible"}


@READERS.reader("azure.flexible_servers", types=("database.instance",), plane=ARM)
def read_flexible_servers(arm: Arm) -> list[Observation]:
    observations = []
    for service, engine in ENGINES.items():
        servers, list_call = arm.items(service, "servers.list", lambda c: c.servers.list())
        for server in servers:
            group, name = resource_group(server["id"]), server["name"]
            setting, setting_call = arm.get(
                service,
                "configurations.get",
                _parameter(group, name),
                resourceGroupName=group,
                serverName=name,
                configurationName="require_secure_transport",
            )
            observations.append(_observe(arm, server, engine, setting, [list_call, setting_call]))
    return observations


def _parameter(group: str, server: str) -> Callable[[Any], Any]:
    return lambda client: client.configurations.get(group, server, "require_secure_transport")


def _observe(
    arm: Arm, server: dict[str, Any], engine: str, setting: dict[str, Any] | None, calls: list[Any]
) -> Observation:
    props = server.get("properties") or {}
    value = ((setting or {}).get("properties") or {}).get("value")
    network = props.get("network") or {}
    encryption = props.get("dataEncryption") or {}
    customer_key = encryption.get("primaryKeyURI") or encryption.get("primaryKeyUri")
    return arm.observe(
        "database.instance",
        server["id"],
        name=server["name"],
        attributes={
            "engine": engine,
            "encrypted": True,  # Azure encrypts flexible servers' storage, always
            "kms_key": customer_key,
            "publicly_accessible": network.get("publicNetworkAccess") == "Enabled",
            "backup_retention_days": int((props.get("backup") or {}).get("backupRetentionDays") or 0),
            "tls_required": str(value).lower() == "on" if value is not None else None,
            "region": server.get("location"),
        },
        raw={"server": server, "require_secure_transport": setting},
        calls=calls,
    )
