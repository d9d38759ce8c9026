"""Secret redaction for raw API responses and messages, applied before anything is kept.

Two nets. By *structure*: a field whose name says it holds a secret (password, token,
passphrase, AccountKey ...) loses its value, and a list or map under such a name loses
every text in it (numbers and switches stay: a password *policy* is evidence); a
name/value pair whose name looks secret loses its value, in every shape providers use
(`{Key|TagKey|Name|ParameterKey: k, Value|TagValue|ParameterValue: v}`, lower-case
too). By *pattern*: a value that looks like a credential is replaced wherever it
appears, inside policies and free text too: detect-secrets' provider rules (Slack
webhooks, Azure account keys, JWTs, GitHub/GitLab/Stripe/... tokens, private key
headers), and ours for what they leave out (a whole private key block, PGP included;
a 40-character AWS secret key; an AWS session token; `name=value` where the name looks
secret; credentials inside URLs). Redaction is deliberately eager: a lost non-secret
costs an auditor a question, a kept secret costs a breach.

Every string of every raw answer passes through here (about half of a large GCP
collection's time), so all patterns are one compiled alternation, one scan a string,
and the answers for short strings, which repeat a lot, are remembered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from evidra.model import MalformedAnswer

REDACTED = "[REDACTED]"

# Words that make a name secret, matched on the name split into lower-case words
# (`DB_PASS`, `dbPass`, `db-pass` -> `db_pass`).
_SECRET_NAME = re.compile(
    r"(passw(or)?d|passwd|passphrase|(^|_)pass($|_)|pwd$|(^|_)pwd_|secret|token|api_?key|private_?key"
    r"|credential(?!_?report)|auth_?key|signing_?key|session_?key|connection_?string|account_?key"
    r"|shared_?key|access_?key$|(^|_)sas($|_)|(^|_)sig($|_)|(^|_)pin$|webhook_?url)",
    re.IGNORECASE,
)
# A list or map is erased whole only under a name that is a secret noun, with at most
# one word before it (`passwords`, `db_credentials`): `ListApiTokens` names an
# operation whose answer is evidence, and Okta's `token` is a token's metadata (its
# secret fields are caught by their own names).
_SECRET_CONTAINER = re.compile(
    r"^(?:[a-z0-9]+_)?(?:passwords?|passwds?|passphrases?|secrets?|credentials?|api_?keys?|tokens"
    r"|private_?keys?|connection_?strings?|account_?keys?)$"
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
# Field names that match the pattern above but hold no secret: evidence we need.
# Compared with every separator removed.
_SAFE_NAMES = frozenset(
    {
        "passwordenabled",
        "passwordlastused",
        "passwordlastchanged",
        "passwordnextrotation",
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
        "accesskey1active",
        "accesskey2active",
        "accesskey1lastrotated",
        "accesskey2lastrotated",
        "accesskey1lastuseddate",
        "accesskey2lastuseddate",
        "nexttoken",
        "continuationtoken",
        "nextcontinuationtoken",
        "startingtoken",
        "nextpagetoken",
        "pagetoken",
    }
)
# Name/value pairs: the name's field and the value's field, as providers spell them.
_PAIR_NAMES = ("Key", "key", "TagKey", "Name", "name", "ParameterKey", "ParameterName")
_PAIR_VALUES = frozenset({"Value", "value", "TagValue", "ParameterValue"})

# detect-secrets' plugins whose rules hold for cloud answers. Left out: AWS access key
# ids (evidence, not secrets), public IPs (evidence), Artifactory's `AP[0-9A-F]...` and
# Telegram's `digits:35 characters` (they match resource names and ARNs), and the
# keyword plugin (it reads source files by their type).
_DETECT_SECRETS_PLUGINS = {
    "azure_storage_key": "AzureStorageKeyDetector",
    "basic_auth": "BasicAuthDetector",
    "cloudant": "CloudantDetector",
    "discord": "DiscordBotTokenDetector",
    "github_token": "GitHubTokenDetector",
    "gitlab_token": "GitLabTokenDetector",
    "ibm_cos_hmac": "IbmCosHmacDetector",
    "jwt": "JwtTokenDetector",
    "mailchimp": "MailchimpDetector",
    "npm": "NpmDetector",
    "openai": "OpenAIDetector",
    "private_key": "PrivateKeyDetector",
    "pypi_token": "PypiTokenDetector",
    "sendgrid": "SendGridDetector",
    "slack": "SlackDetector",
    "softlayer": "SoftlayerDetector",
    "square_oauth": "SquareOAuthDetector",
    "stripe": "StripeDetector",
    "twilio": "TwilioKeyDetector",
}

# Ours: what the plugins above do not cover, or cover only in part. Each rule is in the
# group whose cheap test any match of it passes (see `_groups`).
_KEY_BLOCKS = [
    # The whole block, not only its header (PGP's "PRIVATE KEY BLOCK" too).
    r"(?s:-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|$))",
]
_NAME_VALUES = [
    # `name=value` where the name looks secret (DSNs, query strings, connection strings,
    # `KEY=value` tags): the name stays, the value goes.
    r"(?P<name>(?i:(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*?(?:passw(?:or)?d|passphrase|pass|pwd|secret|token"
    r"|api_?key|apikey|account_?key|shared_?access_?key|private_?key|credential|auth|\bsig|\bsas)"
    r"[A-Za-z0-9_.-]*?))\s*=\s*(?!\[REDACTED\])[^\s&;\"',]+",
]
_URL_CREDENTIALS = [r"://[^/\s:@]+:[^/\s@]+@"]
_TOKENS = [
    r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",  # JWT
    r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}",  # GitHub tokens, any length
    r"\bgithub_pat_[A-Za-z0-9_]{20,}",
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}",  # Slack
    r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}",  # Stripe
    r"\bSSWS\s?[A-Za-z0-9_-]{20,}",  # Okta API token header
    r"\b00[A-Za-z0-9_-]{40}\b",  # Okta API token
    r"\bAIza[0-9A-Za-z_-]{35}\b",  # Google API key
    # AWS STS session tokens (base64 of their binary prefix).
    r"\b(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{20,}",
    # AWS secret access key: 40 base64 characters, one at least a digit, / or + (a
    # 40-letter CamelCase name such as an SDK class is not a key; a random key with no
    # digit, / or + is a 1-in-4,000 chance, which the name nets still catch).
    r"(?<![A-Za-z0-9/+])(?=[A-Za-z]{0,39}[0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
]
_SCHEMES = [r"(?i:\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]{16,})"]
# Every token rule needs a run of 20 token characters, or 40 base64 ones.
_RUN = re.compile(r"[A-Za-z0-9_-]{20}|[A-Za-z0-9+/]{40}")
_SCHEME = re.compile(r"(?i)bearer|basic")
_SHORT = 512  # strings up to this long have their answer remembered


def _alternation(rules: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{rule})" for rule in rules))


@lru_cache(maxsize=1)
def _groups() -> list[tuple[Callable[[str], bool], re.Pattern[str]]]:
    """The value rules in groups, each behind a test that is cheap (a substring or a
    short regex) and that every match of its rules passes: one alternation of all the
    rules over every string was three times slower than the rules they replaced. Built
    on first use: detect-secrets is imported only by a process that redacts."""
    import importlib

    by_plugin: dict[str, list[str]] = {}
    for module, name in _DETECT_SECRETS_PLUGINS.items():
        plugin = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)
        for rule in plugin.denylist:
            flags = "".join(f for f, bit in (("i", re.I), ("x", re.X), ("s", re.S)) if rule.flags & bit)
            # Their groups mark the secret inside the match; here the whole match goes.
            by_plugin.setdefault(module, []).append(f"(?{flags}:{rule.pattern})" if flags else rule.pattern)
    headers = by_plugin.pop("private_key")
    basic_auth = by_plugin.pop("basic_auth")
    tokens = [rule for rules in by_plugin.values() for rule in rules]
    return [
        (lambda s: "PRIVATE KEY" in s or "PuTTY" in s, _alternation(_KEY_BLOCKS + headers)),
        (lambda s: "=" in s, _alternation(_NAME_VALUES)),
        (lambda s: "@" in s, _alternation(_URL_CREDENTIALS + basic_auth)),
        (lambda s: _SCHEME.search(s) is not None, _alternation(_SCHEMES)),
        (lambda s: _RUN.search(s) is not None, _alternation(_TOKENS + tokens)),
    ]


def _replace(match: re.Match[str]) -> str:
    name = match.groupdict().get("name")
    return f"{name}={REDACTED}" if name is not None else REDACTED


def _redact_any(text: str) -> str:
    for applies, pattern in _groups():
        if applies(text):
            text = pattern.sub(_replace, text)
    return text


def _words(name: str) -> str:
    return _SEPARATORS.sub("_", _CAMEL.sub("_", name)).lower().strip("_")


@lru_cache(maxsize=4096)
def _is_secret_name(name: str) -> bool:
    words = _words(name)
    if words.replace("_", "") in _SAFE_NAMES:
        return False
    return bool(_SECRET_NAME.search(words))


@lru_cache(maxsize=4096)
def _is_secret_container(name: str) -> bool:
    return _is_secret_name(name) and bool(_SECRET_CONTAINER.match(_words(name)))


@lru_cache(maxsize=65536)
def _redact_short(text: str) -> str:
    return _redact_any(text)


def redact_text(text: str) -> str:
    return _redact_short(text) if len(text) <= _SHORT else _redact_any(text)


def redact(document: Any) -> Any:
    """A copy of `document` with secret-named fields and secret-looking values replaced."""
    if isinstance(document, str):
        return redact_text(document)
    if isinstance(document, dict):
        pair_is_secret = not _PAIR_VALUES.isdisjoint(document) and any(
            isinstance(document.get(name), str) and _is_secret_name(document[name])
            for name in _PAIR_NAMES
            if name in document
        )
        out: dict[Any, Any] = {}
        for key, value in document.items():
            if key is None:  # e.g. a CSV row longer than its header: nothing can name it
                raise MalformedAnswer("a field without a name in the provider's answer")
            if pair_is_secret and key in _PAIR_VALUES:
                out[key] = _erase(value)
            elif isinstance(key, str) and _is_secret_name(key):
                container = isinstance(value, dict | list | tuple)
                out[key] = _erase(value) if not container or _is_secret_container(key) else redact(value)
            else:
                out[key] = redact(value)
        return out
    if isinstance(document, list | tuple):
        return [redact(item) for item in document]
    return document


def _erase(value: Any) -> Any:
    """A secret field's value: text and numbers replaced, also inside lists and maps
    (their keys stay); empty values, switches, and numbers in a map stay (a password
    policy's length is evidence, not a secret)."""
    if value is None or value == "" or isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return {k: v if _is_number(v) else _erase(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_erase(item) for item in value]
    return REDACTED


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
