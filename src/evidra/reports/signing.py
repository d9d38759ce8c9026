"""Ed25519 keys and signatures for evidence packages (`cryptography`).

The private key is a PKCS#8 PEM file readable by its owner only (mode 0600), made by
`evidra keys init`; it never enters a package. The public key travels in every
package beside the signature, as a SubjectPublicKeyInfo PEM, and its fingerprint is
the SHA-256 of that PEM file, so that an auditor can compare it with `sha256sum`
against the one the organisation gave them out of band.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class SigningError(Exception):
    """A key that cannot be made, read or used. The message says what to do."""


def fingerprint(public_pem: bytes) -> str:
    return "sha256:" + hashlib.sha256(public_pem).hexdigest()


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def init_key(path: Path, force: bool = False) -> str:
    """Make a key pair: the private key at `path` (0600), the public key beside it
    (`<path>.pub`). Returns the public key's fingerprint."""
    if path.exists() and not force:
        raise SigningError(f"{path} already exists; use --force to replace it (old packages stay verifiable)")
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_path = Path(f"{path}.pub")
    for written in (path, public_path):
        if written.is_symlink():  # writing would overwrite whatever it points at
            raise SigningError(f"{written} is a symbolic link: remove it, keys are not written through links")
    path.parent.mkdir(parents=True, exist_ok=True)
    public = public_pem(key)
    # O_EXCL after unlinking: a file (or link) put there meanwhile is refused, not written
    # through; the modes are set explicitly, whatever the umask.
    for written, content, mode in ((path, private, 0o600), (public_path, public, 0o644)):
        if force or written is public_path:  # a stale public key goes with its lost private key
            written.unlink(missing_ok=True)
        try:
            descriptor = os.open(written, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        except OSError as exc:
            raise SigningError(f"cannot write {written}: {exc.strerror}") from None
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(content)
    return fingerprint(public)


def load_key(path: Path) -> Ed25519PrivateKey:
    """The private key at `path`, refused when its group or others may read it (someone
    else could have copied it and sign packages in the organisation's name)."""
    try:
        mode = os.stat(path).st_mode
        if mode & 0o077:
            raise SigningError(
                f"{path} can be read by group or others (mode {stat.S_IMODE(mode):04o}); "
                f"run `chmod 600 {path}`, and make a new key if others may have copied it"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise SigningError(
            f"no signing key at {path}: run `evidra keys init` to make one (config: report.signing_key)"
        ) from None
    except OSError as exc:
        raise SigningError(f"cannot read the signing key {path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        # The key's own bytes are never repeated back.
        raise SigningError(f"{path} is not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path} is not an Ed25519 key: make one with `evidra keys init`")
    return key


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


def verify(public: bytes, signature: bytes, data: bytes) -> str | None:
    """None when `signature` is `public`'s over `data`; else why not."""
    try:
        key = serialization.load_pem_public_key(public)
    except (ValueError, TypeError):
        return "the public key is not a PEM public key"
    if not isinstance(key, Ed25519PublicKey):
        return "the public key is not an Ed25519 key"
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return "the signature does not match"
    return None
