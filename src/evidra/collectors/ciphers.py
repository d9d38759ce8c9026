"""The algorithms inside a TLS cipher suite's name, for every provider's spelling.

Providers name suites the OpenSSL way (ELB: `DES-CBC3-SHA`, `ECDHE-RSA-AES128-SHA`) or
the RFC way (Azure, GCP: `TLS_RSA_WITH_3DES_EDE_CBC_SHA`). Controls compare the
algorithms with SEC-POL's prohibited list (DES, 3DES, RC4, MD5, SHA-1), so both
spellings become one vocabulary: DES, 3DES, RC4, MD5, SHA-1, SHA-256, SHA-384, AES,
CHACHA20, CAMELLIA, ARIA, SEED, NULL. A suite whose MAC is named `SHA` alone uses HMAC-SHA-1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SPLIT = re.compile(r"[-_\s]+")
_MACS = {"SHA": "SHA-1", "MD5": "MD5", "SHA256": "SHA-256", "SHA384": "SHA-384"}
_CIPHERS = (("CHACHA20", "CHACHA20"), ("CAMELLIA", "CAMELLIA"), ("ARIA", "ARIA"), ("SEED", "SEED"))


def algorithms(suite: str) -> set[str]:
    tokens = [t for t in _SPLIT.split(suite.strip().upper()) if t]
    found: set[str] = set()
    if not tokens:
        return found
    if "3DES" in tokens or "DES3" in tokens or ("DES" in tokens and "CBC3" in tokens):
        found.add("3DES")
    elif "DES" in tokens or any(t.startswith("DES40") for t in tokens):
        found.add("DES")
    if any(t.startswith("RC4") for t in tokens):
        found.add("RC4")
    if "NULL" in tokens:
        found.add("NULL")
    if any(t.startswith("AES") for t in tokens):
        found.add("AES")
    for token, name in _CIPHERS:
        if any(t.startswith(token) for t in tokens):
            found.add(name)
    if tokens[-1] in _MACS:
        found.add(_MACS[tokens[-1]])
    return found


def suite_algorithms(suites: Iterable[str]) -> list[str]:
    """The algorithms of all the suites, sorted."""
    return sorted(set().union(*(algorithms(s) for s in suites)))
