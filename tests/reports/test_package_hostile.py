"""A hostile package (issue 15, item 4): a second entry of the same name placed first,
a small zip that decompresses to gigabytes, a FIFO or a device handed to `verify`.
Each is named as a problem or refused at once; memory stays flat."""

from __future__ import annotations

import os
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidra.cli import app
from evidra.evidence_store.store import EvidenceStore
from evidra.reports.verify_package import PackageError, verify_package
from tests.reports.package_support import build_package

ZEROS = bytes(1 << 20)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite only: what is tested here is the package."""
    return f"sqlite:///{tmp_path}/evidra.db"


@pytest.fixture
def package(history: EvidenceStore, signing_key: Path, tmp_path: Path) -> Path:
    return build_package(history, signing_key, tmp_path)


def test_a_second_entry_of_the_same_name_is_a_problem(package: Path, tmp_path: Path) -> None:
    assert verify_package(package).ok
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(package) as original, zipfile.ZipFile(forged, "w") as out, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate: that is the attack
        out.writestr("index.html", "<h1>All controls passed</h1>")  # first: what many readers show
        for info in original.infolist():
            out.writestr(info, original.read(info))
    report = verify_package(forged)
    assert not report.ok
    assert "duplicate: index.html (the package holds more than one entry of that name)" in report.problems


def test_an_entry_that_decompresses_past_the_limit_is_named_and_never_held_whole(
    package: Path,
    tmp_path: Path,
) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(package) as original, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            out.writestr(info, original.read(info))
        with out.open("evidence/zeros.json", "w", force_zip64=True) as entry:
            for _ in range(256):  # 256 MiB of zeros, about 256 KB compressed
                entry.write(ZEROS)
    assert bomb.stat().st_size < package.stat().st_size + (2 << 20)

    tracemalloc.start()
    try:
        report = verify_package(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "added: evidence/zeros.json (not listed in SHA256SUMS)" in report.problems
    assert peak < 64 << 20, f"hashing streams: peak {peak >> 20} MiB for a 256 MiB entry"

    sums = tmp_path / "listed.zip"  # listed in SHA256SUMS: hashed, and refused past the limit
    with zipfile.ZipFile(bomb) as original, zipfile.ZipFile(sums, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            data = original.read(info) if info.filename != "SHA256SUMS" else None
            if info.filename == "SHA256SUMS":
                data = original.read(info) + b"0" * 64 + b"  evidence/zeros.json\n"
            out.writestr(info, data or b"")
    report = verify_package(sums, max_entry_bytes=16 << 20)
    assert "altered: evidence/zeros.json decompresses to more than 16 MiB" in report.problems


def test_a_fifo_or_a_device_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "package.zip"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(PackageError, match="not a regular file"):
            verify_package(path)  # used to block (a FIFO) or never end (/dev/zero)
    result = CliRunner().invoke(app, ["verify", str(fifo)])
    assert result.exit_code == 2 and "not a regular file" in result.output, result.output
