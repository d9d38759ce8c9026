"""Checking an evidence package with nothing but its own files (and, optionally, a
public key the auditor obtained out of band): every file against SHA256SUMS, files
added or missing, the signature over SHA256SUMS, and the run chain in runs/chain.json
recomputed. Every problem is named; none stops the others from being checked."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from evidra.evidence_store.integrity import chain_digest
from evidra.reports import signing
from evidra.reports.package import CHAIN, MANIFEST, PUBLIC_KEY, SIGNATURE, SUMS

_SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
_UNLISTED = {SUMS, SIGNATURE}


class PackageError(Exception):
    """Not a package that can be read at all (not a zip or folder, unreadable)."""


@dataclass
class PackageReport:
    problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    runs_checked: int = 0
    fingerprint: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class _Files(Protocol):
    def names(self) -> list[str]: ...
    def read(self, name: str) -> bytes: ...


class _Zip:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive

    def names(self) -> list[str]:
        return [info.filename for info in self._archive.infolist() if not info.is_dir()]

    def read(self, name: str) -> bytes:
        return self._archive.read(name)


class _Folder:
    def __init__(self, root: Path) -> None:
        self._root = root

    def names(self) -> list[str]:
        return sorted(
            path.relative_to(self._root).as_posix() for path in self._root.rglob("*") if path.is_file()
        )

    def read(self, name: str) -> bytes:
        return (self._root / name).read_bytes()


@contextmanager
def _open(path: Path) -> Iterator[_Files]:
    if path.is_dir():
        yield _Folder(path)
        return
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise PackageError(f"{path}: no such file or folder") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(f"{path}: not a zip file or folder ({exc})") from None
    with archive:
        yield _Zip(archive)


def verify_package(path: Path, trusted_key: bytes | None = None) -> PackageReport:
    report = PackageReport()
    with _open(path) as files:
        present = set(files.names())
        listed = _check_sums(files, present, report)
        for name in sorted(present - set(listed) - _UNLISTED):
            report.problems.append(f"added: {name} (not listed in {SUMS})")
        _check_signature(files, present, trusted_key, report)
        _check_chain(files, present, report)
    return report


def _check_sums(files: _Files, present: set[str], report: PackageReport) -> dict[str, str]:
    if SUMS not in present:
        report.problems.append(f"missing: {SUMS}")
        return {}
    listed: dict[str, str] = {}
    for number, line in enumerate(files.read(SUMS).decode("utf-8", "replace").splitlines(), start=1):
        match = _SUM_LINE.match(line)
        if not match:
            report.problems.append(f"altered: {SUMS} (line {number} is not '<sha256>  <file>')")
            continue
        listed[match.group(2)] = match.group(1)
    for name, expected in sorted(listed.items()):
        if name not in present:
            report.problems.append(f"missing: {name}")
            continue
        report.files_checked += 1
        if hashlib.sha256(files.read(name)).hexdigest() != expected:
            report.problems.append(f"altered: {name} (its SHA-256 is not the one in {SUMS})")
    return listed


def _check_signature(
    files: _Files, present: set[str], trusted_key: bytes | None, report: PackageReport
) -> None:
    if SIGNATURE not in present or SUMS not in present:
        if SIGNATURE not in present:
            report.problems.append(f"missing: {SIGNATURE}")
        return
    if PUBLIC_KEY in present:
        packaged = files.read(PUBLIC_KEY)
        if trusted_key is not None and signing.fingerprint(packaged) != signing.fingerprint(trusted_key):
            report.problems.append(
                f"signature: the package's {PUBLIC_KEY} is not the public key given with --public-key"
            )
    elif trusted_key is None:
        return  # reported as missing by the sums check
    key = trusted_key if trusted_key is not None else packaged
    report.fingerprint = signing.fingerprint(key)
    why = signing.verify(key, files.read(SIGNATURE), files.read(SUMS))
    if why:
        report.problems.append(f"signature: {SIGNATURE} does not verify {SUMS} ({why})")


def _check_chain(files: _Files, present: set[str], report: PackageReport) -> None:
    if CHAIN not in present:
        return  # reported as missing by the sums check
    try:
        runs: list[dict[str, Any]] = json.loads(files.read(CHAIN))["runs"]
        previous: dict[str, Any] | None = None
        for run in runs:
            report.runs_checked += 1
            where = f"chain: run {run['id']} (seq {run['seq']})"
            if (
                chain_digest(run["previous_digest"], run["merkle_root"], run["id"], run["seq"])
                != run["digest"]
            ):
                report.problems.append(f"{where}: its digest does not match its seal")
            if previous is not None:
                if run["seq"] != previous["seq"] + 1:
                    report.problems.append(
                        f"{where}: the run before it (seq {previous['seq'] + 1}) is missing"
                    )
                elif run["previous_digest"] != previous["digest"]:
                    report.problems.append(f"{where}: its link to the previous run is broken")
            previous = run
        if MANIFEST in present:
            last = (json.loads(files.read(MANIFEST)).get("runs") or {}).get("last")
            if last and (previous is None or last.get("digest") != previous["digest"]):
                report.problems.append(f"chain: the last run in {CHAIN} is not the one {MANIFEST} names")
    except (ValueError, KeyError, TypeError) as exc:
        report.problems.append(
            f"altered: {CHAIN} cannot be read as a run chain ({type(exc).__name__}: {exc})"
        )
