"""The TLS trust an HTTPS collector verifies with: the system's, SSL_CERT_FILE /
SSL_CERT_DIR (OpenSSL's own variables, read when the context is made), and
REQUESTS_CA_BUNDLE, the variables evidra's contract names for a corporate
TLS-inspection certificate. Verification is never turned off."""

from __future__ import annotations

import os
import ssl
from typing import Any


def tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    if bundle:
        context.load_verify_locations(cafile=bundle)
    return context


def requests_session() -> Any:
    """A `requests` session verifying with `tls_context()`: requests alone trusts one
    file (REQUESTS_CA_BUNDLE or certifi's), not the system's trust with SSL_CERT_FILE."""
    import requests
    from requests.adapters import HTTPAdapter

    context = tls_context()

    class ContextAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            kwargs["ssl_context"] = context
            super().init_poolmanager(*args, **kwargs)

    session = requests.Session()
    session.mount("https://", ContextAdapter())
    return session
