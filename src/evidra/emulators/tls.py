"""A self-signed certificate for a loopback HTTPS fake, generated at test time.

Clients trust it the way a user behind TLS inspection trusts their proxy's CA: by
naming the file in SSL_CERT_FILE (or REQUESTS_CA_BUNDLE). It is its own CA, with the
extensions strict verifiers (Python 3.13's VERIFY_X509_STRICT) ask for.
"""

from __future__ import annotations

import atexit
import datetime as dt
import ipaddress
import shutil
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def write_self_signed(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """(certificate PEM, private key PEM) valid for `host` and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "evidra test fake")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "fake-cert.pem", folder / "fake-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


_shared: tuple[Path, Path] | None = None
_shared_lock = threading.Lock()


def shared_pair() -> tuple[Path, Path]:
    """One certificate for every fake in this process, so one SSL_CERT_FILE /
    REQUESTS_CA_BUNDLE trusts them all (the demo runs Okta, Azure and GCP fakes at once,
    and those variables hold one file). Removed when the process exits."""
    global _shared
    with _shared_lock:
        if _shared is None:
            folder = Path(tempfile.mkdtemp(prefix="evidra-fake-tls-"))
            atexit.register(shutil.rmtree, folder, True)
            _shared = write_self_signed(folder)
        return _shared
