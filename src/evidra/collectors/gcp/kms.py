"""Cloud KMS crypto keys: rotation period and next rotation."""

from __future__ import annotations

from evidra.collectors.gcp.context import CRYPTO_KEY, READERS, Context, data, days, stable
from evidra.model import Observation


@READERS.reader("gcp.kms", needs=("resources",), types=("crypto.key",))
def read_keys(ctx: Context) -> list[Observation]:
    observations = []
    for asset in ctx.assets(CRYPTO_KEY):
        key = data(asset)
        primary = key.get("primary") or {}
        template = key.get("versionTemplate") or {}
        period = days(key.get("rotationPeriod"))
        # Symmetric keys have a primary version; asymmetric and MAC keys do not (and
        # cannot rotate automatically): they are enabled while any version is.
        enabled = primary.get("state") == "ENABLED" if primary else key.get("purpose") != "ENCRYPT_DECRYPT"
        purpose = key.get("purpose") or "ENCRYPT_DECRYPT"
        fixed = (
            f"a {purpose} key cannot rotate automatically (Cloud KMS rotates only symmetric encryption keys)"
        )
        observations.append(
            ctx.observe(
                "crypto.key",
                asset["name"],
                name=str(key.get("name") or asset["name"]).rsplit("/", 1)[-1],
                attributes={
                    "managed_by": "customer",  # Google-managed keys are not Cloud KMS resources
                    "enabled": enabled,
                    "rotation_enabled": period is not None,
                    "rotation_period_days": period,
                    "next_rotation": key.get("nextRotationTime"),
                    "key_spec": template.get("algorithm") or primary.get("algorithm"),
                    "region": asset.get("resource", {}).get("location") or _location(key.get("name")),
                    **({"inapplicable": {"rotation_enabled": fixed}} if purpose != "ENCRYPT_DECRYPT" else {}),
                },
                raw={"asset": stable(asset)},
                calls=[ctx.call("resources")],
            )
        )
    return observations


def _location(name: object) -> str | None:
    parts = str(name or "").split("/")
    return parts[parts.index("locations") + 1] if "locations" in parts[:-1] else None
