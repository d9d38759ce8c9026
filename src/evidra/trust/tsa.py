"""RFC 3161 trusted timestamps of run seals, through `rfc3161-client` (no ASN.1 of ours).

What is timestamped: the UTF-8 text of a run's seal (`sha256:<hex>`, its chain digest),
hashed with SHA-256 into the request's message imprint. An auditor re-checks a token
with OpenSSL alone:

    printf %s 'sha256:<the run's digest>' > seal.txt
    openssl ts -verify -data seal.txt -in run.tsr -CAfile tsa-ca.pem

A token *proves* that the seal (and so the run and, through the chain, every run
before it) existed at the TSA's time (`genTime`). It is checked against the roots in
`ca_file` (the TSA's own certificate travels in the token: requests ask for it).
"""

from __future__ import annotations

import hashlib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

CONTENT_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_REPLY = 256 * 1024  # a token is a few KiB; nothing from outside is read unbounded


class TimestampError(Exception):
    """No token could be had, or a token does not hold. The message says which and why."""


@dataclass(frozen=True)
class Token:
    response: bytes  # the DER TimeStampResp, as the TSA sent it (`openssl ts -verify -in`)
    tsa: str  # the URL that answered
    gen_time: datetime  # the TSA's time, aware UTC


def imprint_message(seal: str) -> bytes:
    """The bytes whose SHA-256 is the token's message imprint."""
    return seal.encode()


def load_roots(ca_file: str | Path) -> list[x509.Certificate]:
    try:
        data = Path(ca_file).read_bytes()
    except OSError as exc:
        raise TimestampError(f"timestamping.ca_file {ca_file}: {exc.strerror}") from None
    try:
        roots = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise TimestampError(f"timestamping.ca_file {ca_file}: not PEM certificates") from None
    return roots


def request(seal: str, urls: list[str], roots: list[x509.Certificate], timeout: float = 10) -> Token:
    """A verified token for `seal` from the first TSA in `urls` that answers with one.
    Raises TimestampError naming every TSA's failure when none does."""
    from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

    query = (
        TimestampRequestBuilder()
        .data(imprint_message(seal))
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    failures = []
    for url in urls:
        try:
            answer = _post(url, query.as_bytes(), timeout)
            gen_time = check(answer, seal, roots, nonce=query.nonce)
        except TimestampError as exc:
            failures.append(f"{url}: {exc}")
            continue
        return Token(answer, url, gen_time)
    raise TimestampError("no TSA gave a token (" + "; ".join(failures) + ")")


def _post(url: str, body: bytes, timeout: float) -> bytes:
    # `url` comes from the config, which accepts http(s) only (TimestampingSettings).
    http = urllib.request.Request(  # noqa: S310
        url, data=body, method="POST", headers={"Content-Type": CONTENT_TYPE, "Accept": REPLY_TYPE}
    )
    try:
        context = ssl.create_default_context()  # SSL_CERT_FILE is honoured; never unverified
        with urllib.request.urlopen(http, timeout=timeout, context=context) as answer:  # noqa: S310
            data: bytes = answer.read(MAX_REPLY + 1)
    except urllib.error.HTTPError as exc:
        raise TimestampError(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TimestampError(f"cannot reach it ({reason})") from None
    if len(data) > MAX_REPLY:
        raise TimestampError(f"its answer is larger than {MAX_REPLY} bytes")
    return data


def check(response: bytes, seal: str, roots: list[x509.Certificate], nonce: int | None = None) -> datetime:
    """The token's time when `response` is a granted token over `seal`, signed by a TSA
    certificate (with the timeStamping usage) that chains to `roots`; else TimestampError."""
    from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

    try:
        decoded = decode_timestamp_response(response)
    except ValueError as exc:
        raise TimestampError(f"not an RFC 3161 TimeStampResp ({exc})") from None
    builder = VerifierBuilder(roots=list(roots), nonce=nonce)
    try:
        builder.build().verify(decoded, hashlib.sha256(imprint_message(seal)).digest())
    except VerificationError as exc:
        text = str(exc)
        if "Mismatch between messages" in text:
            text = "its message imprint is not the run's seal"
        raise TimestampError(text) from None
    except ValueError as exc:
        raise TimestampError(f"cannot be checked ({exc})") from None
    return gen_time(response)


def gen_time(response: bytes) -> datetime:
    """The TSA's time written in a token (not checked: see `check`)."""
    from rfc3161_client import decode_timestamp_response

    value = decode_timestamp_response(response).tst_info.gen_time
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def certificates(response: bytes) -> list[bytes]:
    """The DER certificates a token carries (the TSA's own, at least)."""
    from rfc3161_client import decode_timestamp_response

    return list(decode_timestamp_response(response).signed_data.certificates)
