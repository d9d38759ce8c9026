"""Which endpoints a collection talks to: the national cloud's, or explicit overrides.

`cloud: public | usgov | china` picks Resource Manager, Microsoft Graph and the Entra ID
authority of that cloud; `resource_manager_endpoint`, `graph_endpoint` and
`authority_host` replace any of them (private endpoints, proxies, local fakes). Token
scopes follow the endpoint they are for (`<endpoint>/.default`), so a token is only
ever asked for the service that receives it.
"""

from __future__ import annotations

from dataclasses import dataclass

from evidra.config.settings import AzureSettings

# Azure's published endpoints per national cloud (azure-identity's AzureAuthorityHosts,
# azure-mgmt-core's AZURE_*_CLOUD, Graph's national cloud deployments).
CLOUDS: dict[str, dict[str, str]] = {
    "public": {
        "resource_manager": "https://management.azure.com",
        "graph": "https://graph.microsoft.com",
        "authority": "https://login.microsoftonline.com",
    },
    "usgov": {
        "resource_manager": "https://management.usgovcloudapi.net",
        "graph": "https://graph.microsoft.us",
        "authority": "https://login.microsoftonline.us",
    },
    "china": {
        "resource_manager": "https://management.chinacloudapi.cn",
        "graph": "https://microsoftgraph.chinacloudapi.cn",
        "authority": "https://login.chinacloudapi.cn",
    },
}


@dataclass(frozen=True)
class Endpoints:
    resource_manager: str
    graph: str
    authority: str
    # An authority other than the cloud's own is unknown to MSAL, which would ask the
    # public cloud to validate it (instance discovery): skip that for explicit hosts.
    custom_authority: bool

    @property
    def resource_manager_scope(self) -> str:
        return f"{self.resource_manager}/.default"

    @property
    def graph_scope(self) -> str:
        return f"{self.graph}/.default"


def endpoints(settings: AzureSettings) -> Endpoints:
    cloud = CLOUDS[settings.cloud]
    return Endpoints(
        resource_manager=(settings.resource_manager_endpoint or cloud["resource_manager"]).rstrip("/"),
        graph=(settings.graph_endpoint or cloud["graph"]).rstrip("/"),
        authority=(settings.authority_host or cloud["authority"]).rstrip("/"),
        custom_authority=settings.authority_host is not None,
    )
