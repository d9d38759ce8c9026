"""App Service sites (network.endpoint): HTTPS only and the minimum TLS version.

`httpsOnly` redirects HTTP to HTTPS; without it the site serves plain HTTP too. The
minimum TLS version lives in the site's `web` configuration, one call per site.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from evidra.collectors.azure.context import ARM, READERS, Arm, resource_group
from evidra.collectors.azure.tls import min_tls_protocol
from evidra.model import Observation


@READERS.reader("azure.appservice", types=("network.endpoint",), plane=ARM)
def read_sites(arm: Arm) -> list[Observation]:
    sites, list_call = arm.items("web", "webApps.list", lambda c: c.web_apps.list())
    observations = []
    for site in sites:
        group, name = resource_group(site["id"]), site["name"]
        config, config_call = arm.get(
            "web",
            "webApps.getConfiguration",
            partial(_configuration, group=group, name=name),
            resourceGroupName=group,
            name=name,
        )
        minimum = ((config or {}).get("properties") or {}).get("minTlsVersion")
        https_only = bool((site.get("properties") or {}).get("httpsOnly"))
        observations.append(
            arm.observe(
                "network.endpoint",
                site["id"],
                name=f"{name} (App Service)",
                attributes={
                    "kind": "app_service",
                    "protocol": "HTTPS",
                    "tls_policy": minimum,
                    "min_tls_protocol": min_tls_protocol(minimum),
                    "plaintext_allowed": not https_only,
                    "region": site.get("location"),
                },
                raw={
                    "site": _site(site),
                    "webConfig": {"minTlsVersion": minimum, "ftpsState": _ftps(config)},
                },
                calls=[list_call, config_call],
            )
        )
    return observations


def _site(site: dict[str, object]) -> dict[str, object]:
    # Kept: what the evidence is about; the rest (usage, host names' states, clocks)
    # changes without the setting changing.
    props = dict(site.get("properties") or {})  # type: ignore[call-overload]
    kept = ("state", "enabled", "httpsOnly", "clientCertEnabled", "publicNetworkAccess", "defaultHostName")
    return {"id": site.get("id"), "name": site.get("name"), "location": site.get("location"),
            "kind": site.get("kind"), "properties": {k: props[k] for k in kept if k in props}}  # fmt: skip


def _configuration(client: Any, *, group: str, name: str) -> Any:
    return client.web_apps.get_configuration(group, name)


def _ftps(config: dict[str, Any] | None) -> Any:
    return ((config or {}).get("properties") or {}).get("ftpsState")
