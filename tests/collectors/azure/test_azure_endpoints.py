"""National clouds and explicit endpoints; the Azure section of the config."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from evidra.collectors.azure.cloud import endpoints
from evidra.config.settings import AzureSettings


@pytest.mark.parametrize(
    ("cloud", "resource_manager", "graph", "authority"),
    [
        ("public", "https://management.azure.com", "https://graph.microsoft.com", "https://login.microsoftonline.com"),
        ("usgov", "https://management.usgovcloudapi.net", "https://graph.microsoft.us", "https://login.microsoftonline.us"),
        ("china", "https://management.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn",
         "https://login.chinacloudapi.cn"),
    ],
)  # fmt: skip
def test_cloud_picks_its_endpoints_and_token_scopes(cloud, resource_manager, graph, authority):
    where = endpoints(AzureSettings(cloud=cloud))
    assert (where.resource_manager, where.graph, where.authority) == (resource_manager, graph, authority)
    assert where.resource_manager_scope == f"{resource_manager}/.default"
    assert where.graph_scope == f"{graph}/.default"
    assert where.custom_authority is False


def test_explicit_endpoints_override_the_cloud():
    where = endpoints(
        AzureSettings(
            cloud="usgov",
            resource_manager_endpoint="https://arm.proxy.internal/",
            authority_host="https://login.proxy.internal",
        )
    )
    assert where.resource_manager == "https://arm.proxy.internal"
    assert where.graph == "https://graph.microsoft.us"  # not overridden: the cloud's
    assert where.authority == "https://login.proxy.internal"
    assert where.custom_authority is True


def test_tokens_are_asked_for_the_configured_endpoints(azure):
    from tests.collectors.azure.azure_support import collect

    collect(azure, directory=True)
    assert set(azure.token_scopes) == {f"{azure.arm_url}/.default", f"{azure.graph_url}/.default"}


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"resource_manager_endpoint": "http://127.0.0.1:8080"}, "https://"),
        ({"subscriptions": ["prod"]}, "not a subscription id"),
        ({"client_id": "x", "tenant_id": "t"}, "client_secret_env"),
        ({"client_secret_env": "S"}, "needs client_id and tenant_id"),
        (
            {"client_id": "x", "tenant_id": "t", "client_secret_env": "S", "certificate_file": "c.pem"},
            "at most one",
        ),
        ({"subscription": "all"}, "Extra inputs"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(values, words):
    with pytest.raises(ValidationError) as raised:
        AzureSettings(**values)
    assert words in str(raised.value)
