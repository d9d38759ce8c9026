"""The azure-identity credential for one collection, with its secret read at the last moment.

An app registration's secret (from the environment variable or file the config names)
or certificate is handed to azure-identity and kept nowhere else: not on the collector,
not in an observation, not in a message. Without `client_id`, azure-identity's default
chain decides (environment, workload identity, managed identity, Azure CLI); the
interactive browser is never tried (evidra runs unattended).
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.azure.cloud import Endpoints
from evidra.collectors.secrets import read_file, secret_from
from evidra.config.settings import AzureSettings


def principal(settings: AzureSettings) -> str:
    """Who evidra reads as, for provenance: the app and where its secret came from."""
    if not settings.client_id:
        return "azure default credential chain"
    if settings.certificate_file:
        source = f"certificate {settings.certificate_file}"
    elif settings.client_secret_env:
        source = f"secret from ${settings.client_secret_env}"
    else:
        source = f"secret from {settings.client_secret_file}"
    return f"azure app {settings.client_id} ({source})"


def signin_advice(settings: AzureSettings) -> str:
    """For a refused or unavailable credential: what was tried, and the fix."""
    tenant = settings.tenant_id or "TENANT"
    if not settings.client_id:
        return (
            "tried azure-identity's default chain: AZURE_TENANT_ID/AZURE_CLIENT_ID with "
            "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, workload identity, managed identity, "
            f"the Azure CLI. Fix: `az login --tenant {tenant}`, or configure client_id with a secret "
            "or certificate"
        )
    if settings.certificate_file:
        return (
            f"tried {principal(settings)}. Fix: upload that certificate's public key to the app "
            "registration (Certificates & secrets), and check tenant_id and client_id"
        )
    where = f"${settings.client_secret_env}" if settings.client_secret_env else settings.client_secret_file
    return (
        f"tried {principal(settings)}. Fix: make a new client secret for the app registration "
        f"(Certificates & secrets; secrets expire) and put it in {where}; check tenant_id and client_id"
    )


def credential(settings: AzureSettings, where: Endpoints) -> Any:
    """A token credential for every client of the collection (tokens are cached per scope)."""
    from azure.identity import CertificateCredential, ClientSecretCredential, DefaultAzureCredential

    common: dict[str, Any] = {"authority": where.authority}
    if where.custom_authority:
        common["disable_instance_discovery"] = True
    if not settings.client_id:
        if settings.tenant_id:
            common["additionally_allowed_tenants"] = [settings.tenant_id]
        return DefaultAzureCredential(exclude_interactive_browser_credential=True, **common)
    assert settings.tenant_id is not None  # the settings insist on it with client_id
    if settings.certificate_file:
        return CertificateCredential(
            settings.tenant_id,
            settings.client_id,
            certificate_data=read_file(settings.certificate_file, "certificate_file").encode(),
            **common,
        )
    return ClientSecretCredential(settings.tenant_id, settings.client_id, client_secret(settings), **common)


def client_secret(settings: AzureSettings) -> str:
    return secret_from(settings.client_secret_env, settings.client_secret_file, "client_secret_file")
