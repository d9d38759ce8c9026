"""The githubkit authentication for one organisation, its secret read at the last moment.

A GitHub App (recommended): githubkit signs a JWT with the App's private key and
exchanges it for an installation token (`POST /app/installations/{id}/access_tokens`,
its one request besides reads: GETs and one GraphQL query), renewed before it expires,
kept in memory only.
Otherwise a token from `token_env` or `token_file`. Messages name the variable or the
file, never their content.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.secrets import read_file, secret_from
from evidra.config.settings import GitHubSettings


def principal(settings: GitHubSettings) -> str:
    if settings.app_id is not None:
        return f"github app {settings.app_id} installation {settings.installation_id}"
    where = f"${settings.token_env}" if settings.token_env else settings.token_file
    return f"github token from {where}"


def auth_strategy(settings: GitHubSettings) -> Any:
    from githubkit import AppInstallationAuthStrategy, TokenAuthStrategy

    if settings.app_id is not None:
        key = read_file(settings.private_key_file, "private_key_file")
        return AppInstallationAuthStrategy(settings.app_id, key, settings.installation_id)  # type: ignore[arg-type]
    return TokenAuthStrategy(secret_from(settings.token_env, settings.token_file, "token_file"))
