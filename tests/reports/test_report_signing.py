"""Signing keys: made private (0600, never overwritten by accident), refused with a
message that says what to do, and never repeated back in an error."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from evidra.reports import signing


def test_a_new_key_is_private_and_signs(tmp_path: Path) -> None:
    path = tmp_path / "k" / "evidra-signing-key.pem"
    fingerprint = signing.init_key(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    public = Path(f"{path}.pub").read_bytes()
    assert fingerprint == signing.fingerprint(public) and b"PRIVATE" not in public
    key = signing.load_key(path)
    signature = signing.sign(key, b"SHA256SUMS body")
    assert signing.verify(public, signature, b"SHA256SUMS body") is None
    assert signing.verify(public, signature, b"SHA256SUMS body, altered") == "the signature does not match"


def test_an_existing_key_is_not_replaced_without_force(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    first = signing.init_key(path)
    with pytest.raises(signing.SigningError, match="--force"):
        signing.init_key(path)
    assert signing.fingerprint(Path(f"{path}.pub").read_bytes()) == first
    assert signing.init_key(path, force=True) != first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_missing_key_says_to_run_keys_init(tmp_path: Path) -> None:
    with pytest.raises(signing.SigningError, match="evidra keys init"):
        signing.load_key(tmp_path / "absent.pem")


def test_a_bad_key_file_is_not_repeated_back(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    secret = "-----BEGIN PRIVATE KEY-----\nTm90QVJlYWxLZXlCdXRTZWNyZXRTdHVmZg==\n-----END PRIVATE KEY-----\n"
    path.write_text(secret)
    with pytest.raises(signing.SigningError) as raised:
        signing.load_key(path)
    assert str(path) in str(raised.value)
    assert "Tm90QVJlYWxLZXlC" not in str(raised.value)
