"""JamfCollector: a Jamf Pro server's computers and mobile devices, scope
`jamf:<server host>`. The credential is proven once (the token request) before the
readers run, so a wrong secret is one error, not one per reader."""

from __future__ import annotations

from urllib.parse import urlsplit

from evidra.collectors.base import ProgressCallback

# Importing the reader modules registers them.
from evidra.collectors.jamf import devices  # noqa: F401
from evidra.collectors.jamf.api import JamfApi, JamfCallFailed
from evidra.collectors.jamf.context import PROVIDER, READERS, Context
from evidra.collectors.readers import run_all, unreadable_scope
from evidra.collectors.secrets import CredentialError
from evidra.config.settings import JamfSettings
from evidra.model import Collection, utcnow


class JamfCollector:
    provider = PROVIDER

    def __init__(self, settings: JamfSettings) -> None:
        self.settings = settings
        self.scope = f"{PROVIDER}:{urlsplit(settings.url).hostname}"
        self.api: JamfApi | None = None  # the last collection's API (tests count its calls)

    def collect(self, progress: ProgressCallback | None = None) -> Collection:
        started = utcnow()
        collection = Collection()
        try:
            self.api = JamfApi.connect(self.settings)
            self.api.client.get_access_token()
        except (CredentialError, JamfCallFailed) as exc:
            return unreadable_scope(collection, READERS, self.scope, started, str(exc))
        except Exception as exc:  # the token request: refused, unreachable, not JSON
            return unreadable_scope(collection, READERS, self.scope, started, _token_problem(exc))
        ctx = Context(self.api, self.scope, f"jamf api client {self.settings.client_id}", started)
        expected = (JamfCallFailed, ValueError)
        return run_all(READERS, ctx, self.scope, collection, expected=expected, progress=progress)


def _token_problem(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status in (400, 401):
        return (
            f"POST /api/v1/oauth/token: the API client's credentials were refused (HTTP {status}): "
            "check client_id and the secret its variable or file holds"
        )
    return f"POST /api/v1/oauth/token failed: {type(exc).__name__}"
