"""Credentials for the Admin SDK: a service-account key with domain-wide delegation,
acting as `subject` (an administrator), or Application Default Credentials.

The Admin SDK answers only for a Workspace user: a service account reads it by
impersonating an administrator (domain-wide delegation of the read-only scopes in
`GOOGLE_WORKSPACE_SCOPES`, granted in the Admin console). The key is read when
collection starts and handed to google-auth, never kept or shown; a key whose
`token_uri` is not Google's is exchanged there (see evidra.collectors.gcp.credentials).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import google.auth
from google.auth import exceptions
from google.oauth2 import service_account

from evidra.collectors.gcp.credentials import GOOGLE_TOKEN_URI, _ExchangedAtTokenUri
from evidra.config.settings import GOOGLE_WORKSPACE_SCOPES, GoogleWorkspaceSettings


class CredentialError(Exception):
    pass


@dataclass(frozen=True)
class Credentials:
    credentials: Any
    principal: str


def load(settings: GoogleWorkspaceSettings) -> Credentials:
    scopes = list(GOOGLE_WORKSPACE_SCOPES)
    if not settings.credentials_file:
        try:
            found, _project = google.auth.default(scopes=scopes)
        except exceptions.DefaultCredentialsError as exc:
            raise CredentialError(
                f"no credentials_file and no application default credentials: {exc}"
            ) from None
        if settings.subject and hasattr(found, "with_subject"):
            found = found.with_subject(settings.subject)
        return Credentials(
            found, f"google workspace {type(found).__name__} (application default credentials)"
        )
    name = settings.credentials_file
    try:
        info = json.loads(Path(name).expanduser().read_text(encoding="utf-8"))
    except OSError as exc:
        raise CredentialError(f"credentials_file {name} cannot be read ({exc.strerror})") from None
    except ValueError:
        raise CredentialError(f"credentials_file {name} is not JSON") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise CredentialError(f"credentials_file {name} is not a service-account key (type: service_account)")
    if not settings.subject:
        raise CredentialError(
            "a service-account key reads the Admin SDK only acting as an administrator: set subject"
        )
    token_uri = info.get("token_uri") or GOOGLE_TOKEN_URI
    kind = service_account.Credentials if token_uri == GOOGLE_TOKEN_URI else _ExchangedAtTokenUri
    try:
        loaded = kind.from_service_account_info(info, scopes=scopes, subject=settings.subject)
    except (ValueError, KeyError, exceptions.GoogleAuthError) as exc:
        reason = exc.args[0] if isinstance(exc, KeyError | ValueError) and exc.args else type(exc).__name__
        raise CredentialError(
            f"credentials_file {name} is not a usable service-account key ({reason})"
        ) from None
    return Credentials(
        loaded,
        f"google workspace service account {loaded.service_account_email} acting as {settings.subject}",
    )
