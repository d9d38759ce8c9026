"""Cloud SQL instances: encryption key, TLS, backups, and public reachability (a public
IP that admits 0.0.0.0/0)."""

from __future__ import annotations

from typing import Any

from evidra.collectors.gcp.context import READERS, SQL_INSTANCE, Context, data, stable
from evidra.collectors.tags import classification_of
from evidra.model import Observation

ANY_ADDRESS = frozenset({"0.0.0.0/0", "::/0"})
# sslMode values that refuse unencrypted connections.
TLS_REQUIRED_MODES = frozenset({"ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"})


@READERS.reader("gcp.sql", needs=("resources",), types=("database.instance",))
def read_instances(ctx: Context) -> list[Observation]:
    observations = []
    for asset in ctx.assets(SQL_INSTANCE):
        instance = data(asset)
        settings = instance.get("settings") or {}
        ip = settings.get("ipConfiguration") or {}
        networks = [str(n.get("value")) for n in ip.get("authorizedNetworks", [])]
        kms_key = (instance.get("diskEncryptionConfiguration") or {}).get("kmsKeyName")
        observations.append(
            ctx.observe(
                "database.instance",
                asset["name"],
                name=instance.get("name") or asset["name"].rsplit("/", 1)[-1],
                attributes={
                    "engine": instance.get("databaseVersion"),
                    "encrypted": True,  # always; the key is Google's or the customer's
                    "kms_key": kms_key,
                    "publicly_accessible": bool(ip.get("ipv4Enabled")) and bool(ANY_ADDRESS & set(networks)),
                    "backup_retention_days": _backup_days(settings.get("backupConfiguration") or {}),
                    "tls_required": _tls_required(ip),
                    "classification": classification_of(settings.get("userLabels")),
                    "region": instance.get("region") or asset.get("resource", {}).get("location"),
                },
                raw={"asset": _without_certificates(stable(asset))},
                calls=[ctx.call("resources")],
            )
        )
    return observations


def _backup_days(backups: dict[str, Any]) -> int:
    """Automated backups are daily: keeping N of them (retentionUnit COUNT, the only unit
    Cloud SQL has) keeps N days. Off: 0."""
    if not backups.get("enabled"):
        return 0
    retention = backups.get("backupRetentionSettings") or {}
    return int(retention.get("retainedBackups") or 7)  # Cloud SQL's default is 7


def _tls_required(ip: dict[str, Any]) -> bool:
    mode = ip.get("sslMode")
    if mode:
        return mode in TLS_REQUIRED_MODES
    return bool(ip.get("requireSsl"))  # instances predating sslMode


def _without_certificates(asset: dict[str, Any]) -> dict[str, Any]:
    """The server CA certificate is public but long and rotates on its own: not evidence
    of the instance's settings."""
    resource = dict(asset.get("resource") or {})
    resource["data"] = {k: v for k, v in data(asset).items() if k != "serverCaCert"}
    return {**asset, "resource": resource}
