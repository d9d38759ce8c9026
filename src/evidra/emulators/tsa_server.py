"""A local RFC 3161 Time-Stamp Authority: OpenSSL's own `openssl ts -reply` behind a
loopback HTTPS server, with a CA of its own made at start.

    with TsaServer(folder) as tsa:
        tsa.url          # https://127.0.0.1:PORT/tsr  (POST application/timestamp-query)
        tsa.ca_file      # the TSA's root certificate (PEM): what `timestamping.ca_file` names
        tsa.faults.add("/tsr", "unavailable", times=1)

The wire protocol is RFC 3161 section 3.4 (HTTP): the request body is a DER
TimeStampReq with Content-Type `application/timestamp-query`, the answer a DER
TimeStampResp with `application/timestamp-reply`. The token is made by OpenSSL's
TSA (`openssl ts -reply`, configured as in its `ts(1)` manual page and openssl.cnf's
`[ tsa ]` section), not by evidra, so evidra's client is checked against an
independent implementation. The TSA certificate has the critical extended key usage
`timeStamping` RFC 3161 section 2.3 requires. `openssl ts` takes its time from the
system clock: tests control a run's recorded time instead (a backfill is a run whose
recorded finish is long before the TSA's time).

The configuration has no `certs =` line: with it OpenSSL adds the CA to the token's
certificate SET unsorted, which is BER, not DER, and rfc3161-client's strict parser
refuses it (InvalidSetOrdering). Real TSAs differ on this; the signer's own
certificate (which `ca_file` must chain it to) is what a token needs.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from evidra.emulators.https import Faults, LoopbackHttps

PATH = "/tsr"
_MAX_QUERY = 64 * 1024


def make_tsa_pki(folder: Path, name: str = "evidra test TSA") -> tuple[Path, Path, Path]:
    """A root CA and a TSA certificate it issued: (ca.pem, tsa.pem, tsa.key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} root CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(tsa_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / "tsa-ca.pem", folder / "tsa.pem", folder / "tsa.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(tsa.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        tsa_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


def _key_usage(signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


_CONFIG = """\
[ tsa ]
default_tsa = evidra_test_tsa

[ evidra_test_tsa ]
dir = {folder}
serial = $dir/serial
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


class TsaServer:
    """`openssl ts -reply` on a loopback HTTPS port. `requests` counts the queries answered."""

    def __init__(self, folder: Path | None = None) -> None:
        self._own = folder is None
        self.folder = Path(tempfile.mkdtemp(prefix="evidra-tsa-")) if folder is None else folder
        self.ca_file, self.cert_file, self.key_file = make_tsa_pki(self.folder)
        (self.folder / "serial").write_text("01\n")
        self.config = self.folder / "tsa.cnf"
        self.config.write_text(_CONFIG.format(folder=self.folder))
        self.faults = Faults()
        self.requests = 0
        self._lock = threading.Lock()
        self._https = LoopbackHttps(_handler(self))

    @property
    def url(self) -> str:
        return self._https.url + PATH

    @property
    def tls_cert_file(self) -> str:
        return str(self._https.cert_file)

    def reply(self, query: bytes) -> bytes:
        """The DER TimeStampResp OpenSSL's TSA gives for a DER TimeStampReq."""
        with self._lock, tempfile.TemporaryDirectory(dir=self.folder) as work:
            query_file, reply_file = Path(work) / "q.tsq", Path(work) / "r.tsr"
            query_file.write_bytes(query)
            subprocess.run(
                [
                    *("openssl", "ts", "-reply", "-config", str(self.config)),
                    *("-queryfile", str(query_file), "-out", str(reply_file)),
                ],
                check=True,
                capture_output=True,
                timeout=30,
            )
            self.requests += 1
            return reply_file.read_bytes()

    def __enter__(self) -> TsaServer:
        self._https.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._https.stop()


def _handler(tsa: TsaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            fault = tsa.faults.take(self.path)
            if fault is not None and fault.kind != "delay":
                status = {"throttle": 429, "error": 500, "unavailable": 503}.get(fault.kind, 200)
                body = b"\x30\x03\x02" if fault.kind == "malformed" else b"TSA unavailable"
                return self._answer(status, body, "application/timestamp-reply")
            if fault is not None:
                threading.Event().wait(fault.delay)
            length = int(self.headers.get("Content-Length") or 0)
            if self.path != PATH:
                return self._answer(404, b"not found", "text/plain")
            if (
                self.headers.get("Content-Type") != "application/timestamp-query"
                or not 0 < length <= _MAX_QUERY
            ):
                return self._answer(400, b"expected an application/timestamp-query body", "text/plain")
            query = self.rfile.read(length)
            try:
                answer = tsa.reply(query)
            except subprocess.CalledProcessError:
                return self._answer(400, b"not a TimeStampReq", "text/plain")
            self._answer(200, answer, "application/timestamp-reply")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
