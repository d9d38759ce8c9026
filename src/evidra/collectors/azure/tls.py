"""Azure's names for TLS versions, in the vocabulary of `network.endpoint.min_tls_protocol`."""

from __future__ import annotations

# Storage says TLS1_0 / TLS1_2, SQL "1.0" / "1.2", App Service "1.0" / "1.2".
_VERSIONS = {"1_0": "TLSv1.0", "1_1": "TLSv1.1", "1_2": "TLSv1.2", "1_3": "TLSv1.3"}


def min_tls_protocol(azure_name: str | None) -> str | None:
    """TLSv1.2 for `TLS1_2`, `1.2` or `Tls12`; None when unset or `None` (no minimum:
    SQL then accepts every version, which the caller reports as TLS 1.0)."""
    if not azure_name:
        return None
    digits = azure_name.upper().removeprefix("TLS").replace(".", "_")
    if len(digits) == 2 and digits.isdigit():  # Tls12
        digits = f"{digits[0]}_{digits[1]}"
    return _VERSIONS.get(digits)
