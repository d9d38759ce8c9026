"""Azure SQL: databases (database.instance) and their servers' TLS (network.endpoint).

Per database: transparent data encryption, the server's public network access and
auditing, and the point-in-time backup retention. Per server: the minimum TLS version
clients may use. `master` is the server's own system database and is left out.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.azure.context import ARM, READERS, Arm, resource_group
from evidra.collectors.azure.tls import min_tls_protocol
from evidra.collectors.tags import classification_of
from evidra.model import ApiCall, Observation


@READERS.reader("azure.sql", types=("database.instance", "network.endpoint"), plane=ARM)
def read_sql(arm: Arm) -> list[Observation]:
    servers, list_call = arm.items("sql", "servers.list", lambda c: c.servers.list())
    observations = []
    for server in servers:
        observations.extend(_read_server(arm, server, list_call))
    return observations


def _read_server(arm: Arm, server: dict[str, Any], list_call: ApiCall) -> list[Observation]:
    name, group = server["name"], resource_group(server["id"])
    props = server.get("properties") or {}
    where = {"resourceGroupName": group, "serverName": name}
    auditing, auditing_call = arm.get(
        "sql",
        "serverBlobAuditingPolicies.get",
        lambda c: c.server_blob_auditing_policies.get(group, name),
        **where,
    )
    databases, databases_call = arm.items(
        "sql", "databases.listByServer", lambda c: c.databases.list_by_server(group, name), **where
    )
    # Disabled or absent: the server is reachable only through private endpoints.
    public = props.get("publicNetworkAccess", "Enabled") == "Enabled"
    audited = ((auditing or {}).get("properties") or {}).get("state") == "Enabled"
    minimum = props.get("minimalTlsVersion")
    server_calls = [list_call, auditing_call]
    observations = [
        arm.observe(
            "network.endpoint",
            server["id"],
            name=f"{name} (SQL server)",
            attributes={
                "kind": "sql_server",
                "protocol": "TLS",
                "tls_policy": minimum,
                # No minimum set: the server accepts TLS 1.0.
                "min_tls_protocol": min_tls_protocol(minimum) or "TLSv1.0",
                "plaintext_allowed": False,  # Azure SQL refuses unencrypted connections
                "region": server.get("location"),
            },
            raw={"server": _without_secrets(server)},
            calls=[list_call],
        )
    ]
    for database in databases:
        if database["name"].lower() == "master":
            continue
        observations.append(
            _read_database(
                arm,
                server,
                database,
                public=public,
                audited=audited,
                raw_server={"server": _without_secrets(server), "auditingSettings": auditing},
                calls=[*server_calls, databases_call],
            )
        )
    return observations


def _read_database(
    arm: Arm,
    server: dict[str, Any],
    database: dict[str, Any],
    *,
    public: bool,
    audited: bool,
    raw_server: dict[str, Any],
    calls: list[ApiCall],
) -> Observation:
    group, server_name, name = resource_group(server["id"]), server["name"], database["name"]
    where = {"resourceGroupName": group, "serverName": server_name, "databaseName": name}
    tde, tde_call = arm.get(
        "sql",
        "transparentDataEncryptions.get",
        lambda c: c.transparent_data_encryptions.get(group, server_name, name, "current"),
        **where,
    )
    retention, retention_call = arm.get(
        "sql",
        "backupShortTermRetentionPolicies.get",
        lambda c: c.backup_short_term_retention_policies.get(group, server_name, name, "default"),
        **where,
    )
    days = ((retention or {}).get("properties") or {}).get("retentionDays")
    encrypted = ((tde or {}).get("properties") or {}).get("state") == "Enabled"
    key_id = (server.get("properties") or {}).get("keyId")  # set with a customer-managed protector
    return arm.observe(
        "database.instance",
        database["id"],
        name=f"{server_name}/{name}",
        attributes={
            "engine": "azure-sql",
            "encrypted": encrypted,
            "kms_key": key_id if encrypted else None,
            "publicly_accessible": public,
            "backup_retention_days": days if days is not None else 0,
            "auditing_enabled": audited,
            "classification": classification_of(database.get("tags") or server.get("tags")),
            # Azure SQL Database refuses unencrypted connections, always (its minimum TLS
            # version is judged on the server's endpoint).
            "tls_required": True,
            "region": database.get("location") or server.get("location"),
        },
        raw={
            **raw_server,
            "database": database,
            "transparentDataEncryption": tde,
            "backupRetention": retention,
        },
        calls=[*calls, tde_call, retention_call],
    )


def _without_secrets(server: dict[str, Any]) -> dict[str, Any]:
    """The server without `administratorLoginPassword` (Azure never returns it, but
    the model has the field; redaction would catch it anyway)."""
    props = {k: v for k, v in (server.get("properties") or {}).items() if k != "administratorLoginPassword"}
    return {**server, "properties": props}
