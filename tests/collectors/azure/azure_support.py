"""Helpers shared by the Azure tests: settings pointed at a fake, and a collection."""

from __future__ import annotations

from typing import Any

from evidra.collectors.azure.collector import AzureCollector
from evidra.config.settings import AzureSettings
from evidra.emulators.azure_estate import CLIENT_ID, TENANT_ID
from evidra.emulators.azure_server import FakeAzure
from evidra.model import Collection, Observation

SECRET_ENV = "EVIDRA_TEST_AZURE_SECRET"


def settings(fake: FakeAzure, **overrides: Any) -> AzureSettings:
    values: dict[str, Any] = {
        "tenant_id": TENANT_ID,
        "client_id": CLIENT_ID,
        "client_secret_env": SECRET_ENV,
        "resource_manager_endpoint": fake.arm_url,
        "graph_endpoint": fake.graph_url,
        "authority_host": fake.authority_url,
        "max_attempts": 3,
        "retry_backoff_seconds": 0.05,
    }
    return AzureSettings(**(values | overrides))


def collect(fake: FakeAzure, **overrides: Any) -> Collection:
    return AzureCollector(settings(fake, **overrides)).collect()


def by_name(collection: Collection, type_: str) -> dict[str, Observation]:
    return {str(o.name): o for o in collection.observations if o.type == type_}
