"""Credentials for the Cloud Asset API: a service-account key file named in config, or
Application Default Credentials.

The key file is read when collection starts and handed to google-auth; the private
key is kept nowhere else (not on the collector, not in an observation or a message).
Messages about it name the file, never its content.

A key whose `token_uri` is not Google's (a private or sovereign token endpoint, or a
local fake) is exchanged there for an access token (OAuth 2.0 JWT bearer grant), as
the key says. The client library would otherwise sign its own JWT and never call
`token_uri`; that shortcut is kept for keys that name Google's own endpoint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import google.auth
from google.auth import exceptions
from google.oauth2 import service_account

from evidra.config.settings import GcpSettings

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - an endpoint


class CredentialError(Exception):
    """The configured credentials cannot be used (missing or malformed key file, no ADC)."""


@dataclass(frozen=True)
class Credentials:
    credentials: Any  # google.auth.credentials.Credentials
    principal: str  # who evidra reads as, for provenance


class _ExchangedAtTokenUri(service_account.Credentials):
    """Service-account credentials that always use the key's `token_uri`: the client's
    request for self-signed JWT access is declined (google-auth 2.x)."""

    def with_always_use_jwt_access(self, always_use_jwt_access: bool) -> _ExchangedAtTokenUri:
        return self

    def _is_regional_access_boundary_lookup_required(self) -> bool:
        # A key for another token endpoint is not in Google's public universe: google-auth
        # must not look its account up at iamcredentials.googleapis.com after sign-in.
        return False


def load(settings: GcpSettings) -> Credentials:
    if settings.credentials_file:
        return _from_key_file(settings.credentials_file)
    try:
        found, _project = google.auth.default(scopes=list(SCOPES))
    except exceptions.DefaultCredentialsError as exc:
        raise CredentialError(
            f"no credentials_file configured and no application default credentials: {exc}"
        ) from None
    email = getattr(found, "service_account_email", None)
    who = f"service account {email}" if email and "@" in str(email) else type(found).__name__
    return Credentials(found, f"gcp {who} (application default credentials)")


def _from_key_file(name: str) -> Credentials:
    loaded = service_account_key(name, scopes=list(SCOPES))
    return Credentials(loaded, f"gcp service account {loaded.service_account_email} (key file {name})")


def service_account_key(name: str, **options: Any) -> Any:
    """google-auth credentials from the service-account key JSON file `name`, read now
    and kept nowhere else; a key whose `token_uri` is not Google's is exchanged there.
    `options`: what `from_service_account_info` takes (scopes, subject)."""
    path = Path(name).expanduser()
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CredentialError(f"credentials_file {name} cannot be read ({exc.strerror})") from None
    except ValueError:
        raise CredentialError(f"credentials_file {name} is not JSON") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise CredentialError(f"credentials_file {name} is not a service-account key (type: service_account)")
    token_uri = info.get("token_uri") or GOOGLE_TOKEN_URI
    kind = service_account.Credentials if token_uri == GOOGLE_TOKEN_URI else _ExchangedAtTokenUri
    try:
        return kind.from_service_account_info(info, **options)
    except (ValueError, KeyError, exceptions.GoogleAuthError) as exc:
        # google-auth names the missing field or says the key does not parse; never its value.
        reason = exc.args[0] if isinstance(exc, KeyError | ValueError) and exc.args else type(exc).__name__
        raise CredentialError(
            f"credentials_file {name} is not a usable service-account key ({reason})"
        ) from None
