"""The SDK configuration for one organisation, with its secret read at the last moment.

The API token or private key is read from the environment variable or file the
config names, handed to the SDK and kept nowhere else: not on the collector, not in
an observation, not in a message. Messages about credentials name the variable or
file, never their content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from evidra.collectors.secrets import read_file, secret_from
from evidra.config.settings import OktaSettings


@dataclass(frozen=True)
class Principal:
    """Who evidra reads as, for provenance; refined after the first call (`users/me`)."""

    description: str
    uses_token: bool


def org_host(settings: OktaSettings) -> str:
    """The organisation's stable name: its org URL's host, lower-case, without a port
    (nor user info), so that the same users are one population whichever port or
    spelling of the URL a config used."""
    return (urlsplit(settings.org_url).hostname or "").lower()


def principal(settings: OktaSettings) -> Principal:
    if settings.client_id:
        return Principal(f"okta service app {settings.client_id}", uses_token=False)
    where = f"${settings.token_env}" if settings.token_env else settings.token_file
    return Principal(f"okta API token from {where}", uses_token=True)


def sdk_config(settings: OktaSettings) -> dict[str, Any]:
    """The `okta.client.Client` configuration. Retries are evidra's own (see api.py),
    so the SDK's are off; its logger stays disabled (at debug level it prints request
    headers, token included)."""
    config: dict[str, Any] = {
        "orgUrl": settings.org_url,
        "rateLimit": {"maxRetries": 0},
        "requestTimeout": settings.request_timeout,
        "logging": {"enabled": False},
        "cache": {"enabled": False},
    }
    if settings.client_id:
        config |= {
            "authorizationMode": "PrivateKey",
            "clientId": settings.client_id,
            "scopes": list(settings.scopes),
            "privateKey": read_file(settings.private_key_file, "private_key_file"),
        }
        if settings.key_id:
            config["kid"] = settings.key_id
    else:
        config |= {"authorizationMode": "SSWS", "token": api_token(settings)}
    return config


def api_token(settings: OktaSettings) -> str:
    return secret_from(settings.token_env, settings.token_file, "token_file")
