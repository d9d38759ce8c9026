"""Credentials for the Admin SDK: a service-account key with domain-wide delegation,
acting as `subject` (an administrator), or Application Default Credentials.

The Admin SDK answers only for a Workspace user: a service account reads it by
impersonating an administrator (domain-wide delegation of the read-only scopes in
`GOOGLE_WORKSPACE_SCOPES`, granted in the Admin console). The key is read when
collection starts and handed to google-auth, never kept or shown; a key whose
`token_uri` is not Google's is exchanged there (evidra.collectors.gcp.credentials, which
reads the key for both).
"""

from __future__ import annotations

from collections.abc import Sequence

import google.auth
from google.auth import exceptions

from evidra.collectors.gcp.credentials import CredentialError, Credentials, service_account_key
from evidra.config.settings import GOOGLE_WORKSPACE_SCOPES, GoogleWorkspaceSettings


def load(settings: GoogleWorkspaceSettings, scopes: Sequence[str] = GOOGLE_WORKSPACE_SCOPES) -> Credentials:
    """Credentials for `scopes` (the devices API gets its own, so a delegation that lacks its
    scope fails that reader alone: Google refuses a token asking for any scope not granted)."""
    scopes = list(scopes)
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
    if not settings.subject:
        raise CredentialError(
            "a service-account key reads the Admin SDK only acting as an administrator: set subject"
        )
    loaded = service_account_key(settings.credentials_file, scopes=scopes, subject=settings.subject)
    return Credentials(
        loaded,
        f"google workspace service account {loaded.service_account_email} acting as {settings.subject}",
    )
