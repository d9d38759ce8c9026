"""Secret redaction for raw API responses and messages, applied before anything is kept.

Two nets: a field whose *name* says it holds a secret (password, token, secret ...)
loses its value, including AWS-style `{"Key": "db_password", "Value": "..."}` tag
pairs; and a *value* that looks like a credential (private key, JWT, provider token
formats, a 40-character AWS secret key) is replaced wherever it appears, inside
policies and free text too. Redaction is deliberately eager: a lost non-secret costs
an auditor a question, a kept secret costs a breach.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[REDACTED]"

_SECRET_NAME = re.compile(
    r"(passw(or)?d|passwd|pwd$|secret|token|api[_-]?key|apikey|private[_-]?key|credential(?!report)"
    r"|client[_-]?secret|auth[_-]?key|signing[_-]?key|session[_-]?key|connection[_-]?string|sas$)",
    re.IGNORECASE,
)
# Field names that match the pattern above but hold no secret: evidence we need.
_SAFE_NAMES = frozenset(
    {
        "passwordenabled",
        "password_enabled",
        "password_last_used",
        "password_last_changed",
        "password_next_rotation",
        "passwordlastused",
        "passwordpolicy",
        "minimumpasswordlength",
        "maxpasswordage",
        "passwordreuseprevention",
        "allowuserstochangepassword",
        "expirepasswords",
        "hardexpiry",
        "passwordresetrequired",
        "tokenlifetime",
        "tokenwindow",  # Okta API tokens: idle time before expiry
        "passwordchanged",  # Okta users: when, not what
        "accountpasswordpresent",
        "keymanager",
        "kmskeyid",
        "kmsmasterkeyid",
        "keyid",
        "keyarn",
        "keyrotationenabled",
        "keyspec",
        "keyusage",
        "keystate",
        "customermasterkeyspec",
        "accesskeyid",
        "access_key_1_active",
        "access_key_2_active",
        "access_key_1_last_rotated",
        "access_key_2_last_rotated",
        "access_key_1_last_used_date",
        "access_key_2_last_used_date",
        "nexttoken",
        "continuationtoken",
        "nextcontinuationtoken",
        "startingtoken",
    }
)

_SECRET_VALUES = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.DOTALL),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWT
    re.compile(r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}"),  # GitHub tokens
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),  # Slack
    re.compile(r"\b(sk|rk)_(live|test)_[A-Za-z0-9]{16,}"),  # Stripe
    re.compile(r"\bSSWS\s?[A-Za-z0-9_-]{20,}"),  # Okta API token header
    re.compile(r"\b00[A-Za-z0-9_-]{40}\b"),  # Okta API token
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),  # Google API key
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{16,}"),
    # AWS secret access key: 40 base64 characters, one at least a digit, / or + (a
    # 40-letter CamelCase name such as an SDK class is not a key; a random key with no
    # digit, / or + is a 1-in-4,000 chance, which the name net above still catches).
    re.compile(r"(?<![A-Za-z0-9/+=])(?=[A-Za-z]{0,39}[0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
    re.compile(r"(?i)(password|passwd|pwd|secret|token)=[^\s&;\"']+"),  # key=value in URLs, DSNs
    re.compile(r"://[^/\s:@]+:[^/\s@]+@"),  # credentials inside URLs
]


def _is_secret_name(name: str) -> bool:
    normal = name.replace("-", "_").lower()
    if normal in _SAFE_NAMES or normal.replace("_", "") in _SAFE_NAMES:
        return False
    return bool(_SECRET_NAME.search(normal))


def redact_text(text: str) -> str:
    for pattern in _SECRET_VALUES:
        text = pattern.sub(REDACTED, text)
    return text


def redact(document: Any) -> Any:
    """A copy of `document` with secret-named fields and secret-looking values replaced."""
    if isinstance(document, dict):
        out: dict[Any, Any] = {}
        pair_name = document.get("Key", document.get("key"))
        pair_is_secret = isinstance(pair_name, str) and _is_secret_name(pair_name)
        for key, value in document.items():
            if isinstance(key, str) and _is_secret_name(key) and not isinstance(value, dict | list | bool):
                out[key] = REDACTED if value not in (None, "") else value
            elif pair_is_secret and key in ("Value", "value"):
                out[key] = REDACTED
            else:
                out[key] = redact(value)
        return out
    if isinstance(document, list | tuple):
        return [redact(item) for item in document]
    if isinstance(document, str):
        return redact_text(document)
    return document
