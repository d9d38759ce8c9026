"""The TLS trust an HTTPS collector verifies with: the system's, SSL_CERT_FILE /
SSL_CERT_DIR (OpenSSL's own variables, read when the context is made), and
REQUESTS_CA_BUNDLE, the variables evidra's contract names for a corporate
TLS-inspection certificate. Verification is never turned off."""

from __future__ import annotations

import os
import ssl


def tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    if bundle:
        context.load_verify_locations(cafile=bundle)
    return context


def ca_bundle() -> str | bool:
    """For clients that take a file rather than a context (requests): the bundle or the
    certificate file named in the environment, else True (the system's trust)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or True
