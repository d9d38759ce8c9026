"""The other two ways in: azure-identity's default chain from the environment (no app
in config), and an app's secret from a file. Both sign in at the fake's token
endpoint and collect; neither leaves the secret anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidra.collectors.azure.collector import AzureCollector
from evidra.emulators.azure_estate import CLIENT_ID, CLIENT_SECRET, TENANT_ID
from evidra.emulators.azure_server import FakeAzure
from tests.collectors.azure.azure_support import SECRET_ENV, settings


def test_the_default_chain_signs_in_from_the_environment(
    azure: FakeAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a container or CI job sets for azure-identity's EnvironmentCredential.
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT_ID)
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.delenv(SECRET_ENV)
    configured = settings(azure, client_id=None, client_secret_env=None)
    collection = AzureCollector(configured).collect()

    assert collection.errors == []
    assert {o.provider for o in collection.observations} == {"azure"}
    assert {o.principal for o in collection.observations} == {"azure default credential chain"}
    assert all(CLIENT_SECRET not in str(o.snapshot()) for o in collection.observations)


def test_a_secret_file_signs_in_and_only_its_path_is_recorded(
    azure: FakeAzure, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret_file = tmp_path / "azure-secret"
    secret_file.write_text(CLIENT_SECRET + "\n")
    monkeypatch.delenv(SECRET_ENV)
    collection = AzureCollector(
        settings(azure, client_secret_env=None, client_secret_file=str(secret_file))
    ).collect()

    assert collection.errors == []
    principals = {o.principal for o in collection.observations}
    assert principals == {f"azure app {CLIENT_ID} (secret from {secret_file})"}
    assert all(CLIENT_SECRET not in str(o.provenance()) for o in collection.observations)


def test_a_wrong_secret_in_the_environment_is_one_error_without_the_secret(
    azure: FakeAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "not-the-secret~0123456789abcdefghijKLMN"
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT_ID)
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", wrong)
    collection = AzureCollector(settings(azure, client_id=None, client_secret_env=None)).collect()

    assert list(collection.observations) == []
    assert collection.errors and all(wrong not in e.message for e in collection.errors)
    assert all("credentials" in e.message for e in collection.errors)
