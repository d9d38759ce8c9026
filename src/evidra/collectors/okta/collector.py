"""OktaCollector: one organisation, scope `okta:{org host}`, every reader concurrently.

First a call that proves the credential (`/api/v1/users/me` for an API token, which
also names the principal; one user for a service app). If it fails, the whole scope
is one error for every type. Otherwise each reader (users, password policies,
sign-on policies, API tokens, System Log, deprovisioning) runs as its own unit: a
reader that fails becomes a ScopeError for its types, and the others still report.

TLS: an SSL context built at collection time, with the system's trust plus
SSL_CERT_FILE / SSL_CERT_DIR (OpenSSL's own variables) and REQUESTS_CA_BUNDLE, the
variables evidra's contract names for a corporate TLS-inspection certificate.
Verification is never turned off.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from typing import Any

from evidra.collectors.base import ProgressCallback, announce

# Importing the reader modules registers them, in this order.
from evidra.collectors.okta import apps, deprovisioning, policies, system_log, tokens, users  # noqa: F401
from evidra.collectors.okta.api import OktaApi, OktaCallFailed
from evidra.collectors.okta.context import PROVIDER, READERS, Context
from evidra.collectors.okta.credentials import org_host, principal, sdk_config
from evidra.collectors.okta.deprovisioning import TerminationsFileError
from evidra.collectors.readers import run_unit_async, unreadable_scope
from evidra.collectors.secrets import CredentialError
from evidra.config.settings import OktaSettings
from evidra.model import Collection, utcnow

EXPECTED = (OktaCallFailed, TerminationsFileError)


class OktaCollector:
    provider = PROVIDER

    def __init__(self, settings: OktaSettings) -> None:
        self.settings = settings
        self.scope = f"{PROVIDER}:{org_host(settings)}"
        self.api_stats: Any = None  # the last collection's request counts (benchmarks, progress)

    def collect(self, progress: ProgressCallback | None = None) -> Collection:
        return asyncio.run(self._collect(progress))

    async def _collect(self, progress: ProgressCallback | None) -> Collection:
        import aiohttp
        from okta.client import Client

        started = utcnow()
        collection = Collection()
        try:
            client = Client(sdk_config(self.settings))
        except (CredentialError, ValueError) as exc:
            # The SDK's ValueError lists configuration problems (URL, missing fields), never values.
            self._fail_all(collection, started, f"okta credentials: {exc}".strip())
            return collection
        connector = aiohttp.TCPConnector(ssl=tls_context(), limit=self.settings.max_concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            client.get_request_executor().set_session(session)
            api = OktaApi(
                client.get_request_executor(),
                max_attempts=self.settings.max_attempts,
                max_concurrency=self.settings.max_concurrency,
            )
            self.api_stats = api.stats
            try:
                who = await self._principal(api)
            except OktaCallFailed as failure:
                self._fail_all(collection, started, signin_problem(self.settings, failure))
                return collection
            ctx = Context(api, self.settings, org_host(self.settings), self.scope, who, started)
            announce(progress, len(READERS.all()))
            # Okta's failures already say what failed (`okta listFactors failed: ...`).
            units = (
                run_unit_async(
                    PROVIDER, r, ctx, ctx.scope, expected=EXPECTED, describe=str, progress=progress
                )
                for r in READERS.all()
            )
            outcomes = await asyncio.gather(*units)
        for outcome in outcomes:
            outcome.add_to(collection)
        return collection

    async def _principal(self, api: OktaApi) -> str:
        described = principal(self.settings)
        if not described.uses_token:
            await api.get("listUsers", "/api/v1/users", {"limit": 1})
            return described.description
        me = await api.get("getCurrentUser", "/api/v1/users/me")
        login = (me or {}).get("profile", {}).get("login") if isinstance(me, dict) else None
        return f"okta user {login} ({described.description})" if login else described.description

    def _fail_all(self, collection: Collection, started: Any, message: str) -> None:
        unreadable_scope(collection, READERS, self.scope, started, message)


def signin_problem(settings: Any, failure: OktaCallFailed) -> str:
    """The first call failed: when Okta refused the credential, say which one was tried and
    how to fix it; anything else as it is."""
    if failure.status not in (401, 403):
        return str(failure)
    tried = principal(settings).description
    if settings.client_id:
        fix = (
            "check the service app's client id and public key in Okta, and that it was granted "
            f"the read scopes evidra asks for ({', '.join(settings.scopes)})"
        )
    else:
        fix = (
            "create an API token as a read-only administrator (Security > API > Tokens) and put it in "
            f"{'$' + settings.token_env if settings.token_env else settings.token_file}; a token unused "
            "for 30 days expires"
        )
    return f"Okta refused the credential ({failure}); tried: {tried}. Fix: {fix}"


def tls_context() -> ssl.SSLContext:
    """The system's trust (with SSL_CERT_FILE / SSL_CERT_DIR, read now rather than when
    aiohttp was imported), plus REQUESTS_CA_BUNDLE when set."""
    context = ssl.create_default_context()
    bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    if bundle:
        context.load_verify_locations(cafile=bundle)
    return context
