"""The demo's Azure: the local Entra ID, Resource Manager and Graph fake over HTTPS,
serving the demo tenant (two subscriptions, a directory with and without MFA), the real
azure-identity credential and management SDKs pointed at it through the endpoint
settings, with the app's secret in an environment variable as a user would keep it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from evidra.config.settings import AzureSettings

SECRET_ENV = "EVIDRA_DEMO_AZURE_CLIENT_SECRET"  # noqa: S105 - the variable's name, not a secret


@contextmanager
def started() -> Iterator[AzureSettings]:
    from evidra.demo.run import environment
    from evidra.emulators.azure_estate import CLIENT_ID, CLIENT_SECRET, TENANT_ID, demo_tenant
    from evidra.emulators.azure_server import FakeAzure

    with (
        FakeAzure(demo_tenant()) as fake,
        environment(
            {
                "SSL_CERT_FILE": str(fake.cert_file),
                "REQUESTS_CA_BUNDLE": str(fake.cert_file),
                SECRET_ENV: CLIENT_SECRET,
            }
        ),
    ):
        yield AzureSettings(
            tenant_id=TENANT_ID,
            client_id=CLIENT_ID,
            client_secret_env=SECRET_ENV,
            resource_manager_endpoint=fake.arm_url,
            graph_endpoint=fake.graph_url,
            authority_host=fake.authority_url,
        )
