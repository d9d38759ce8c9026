"""Checking an evidence package while trusting nothing inside it: every file against
SHA256SUMS, files added or missing, the signature over SHA256SUMS (a missing signature
or key is a failure), the key's fingerprint against manifest.json, index.html and the
one the auditor obtained out of band (`--fingerprint` / `--public-key`), the run chain
in runs/chain.json recomputed, each run's RFC 3161 token against the TSA roots the
auditor trusts (`--tsa-ca`; else the packaged copy, and the report says so), and every
inclusion proof in runs/proofs/ against its run's root, with every result row and
evidence file covered. Every problem is named; none stops the others from being checked."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import stat
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol

from evidra.evidence_store.integrity import chain_digest, leaf, root_from_multiproof, root_from_path
from evidra.files import open_regular
from evidra.reports import signing
from evidra.reports.package import CHAIN, MANIFEST, PUBLIC_KEY, SIGNATURE, SUMS, TIMESTAMPS, TSA_CA
from evidra.reports.proofs import PROOFS, SCHEMA_PATHS, result_key, row_key

_SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
_UNLISTED = {SUMS, SIGNATURE}
# A package is read as hostile input: entries are hashed as streams, and none may
# decompress past this (a 4 MB zip can hold a 4 GiB entry of zeros) ...
MAX_ENTRY_BYTES = 2 << 30
# ... and the files read whole to be parsed (sums, manifest, chain, proofs, pages) are
# small in any real package.
MAX_READ_BYTES = 256 << 20
_CHUNK = 1 << 20


class PackageError(Exception):
    """Not a package that can be read at all (not a zip or folder, unreadable)."""


@dataclass
class PackageReport:
    problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    runs_checked: int = 0
    fingerprint: str | None = None
    fingerprint_source: str = "the package's own key"
    tokens_checked: int = 0
    unstamped: list[int] = field(default_factory=list)  # seqs of runs without a token
    tsa_roots: str | None = None  # where the TSA roots came from
    proofs_checked: int = 0
    rows_proven: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class EntryTooLarge(PackageError):
    """An entry that decompresses past the limit: named, never read whole."""


class _Files(Protocol):
    def names(self) -> list[str]: ...
    def stream(self, name: str) -> IO[bytes]: ...


def _read(files: _Files, name: str, limit: int = MAX_READ_BYTES) -> bytes:
    """A whole entry, at most `limit` bytes of it (EntryTooLarge past that)."""
    with files.stream(name) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise EntryTooLarge(f"{name} is larger than {limit >> 20} MiB")
    return data


def _sha256(files: _Files, name: str, limit: int) -> str:
    """The entry's SHA-256, read in chunks (memory stays flat whatever its size)."""
    digest, size = hashlib.sha256(), 0
    with files.stream(name) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise EntryTooLarge(f"{name} decompresses to more than {limit >> 20} MiB")
            digest.update(chunk)
    return digest.hexdigest()


class _Zip:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive

    def names(self) -> list[str]:
        return [info.filename for info in self._archive.infolist() if not info.is_dir()]

    def stream(self, name: str) -> IO[bytes]:
        return self._archive.open(name)


class _Folder:
    def __init__(self, root: Path) -> None:
        self._root = root

    def names(self) -> list[str]:
        # Regular files only: a link could point anywhere, a FIFO would block the read
        # (either is then reported missing or added).
        return sorted(
            path.relative_to(self._root).as_posix()
            for path in self._root.rglob("*")
            if not path.is_symlink() and path.is_file()
        )

    def stream(self, name: str) -> IO[bytes]:
        return os.fdopen(open_regular(self._root / name), "rb")


@contextmanager
def _open(path: Path) -> Iterator[_Files]:
    if path.is_dir():
        yield _Folder(path)
        return
    try:
        kind = os.stat(path).st_mode
    except FileNotFoundError:
        raise PackageError(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise PackageError(f"{path}: cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(kind):  # a FIFO would block, /dev/zero never end
        raise PackageError(f"{path}: not a zip file or folder (not a regular file)")
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise PackageError(f"{path}: no such file or folder") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(f"{path}: not a zip file or folder ({exc})") from None
    with archive:
        yield _Zip(archive)


def verify_package(
    path: Path,
    trusted_key: bytes | None = None,
    *,
    fingerprint: str | None = None,
    tsa_roots: bytes | None = None,
    max_skew_minutes: int = 10,
    require_timestamps: bool = False,
    max_entry_bytes: int = MAX_ENTRY_BYTES,
) -> PackageReport:
    """`trusted_key` / `fingerprint`: the signer's, obtained out of band; `tsa_roots`:
    PEM roots of the TSAs the auditor trusts. The package's own values are only
    compared with them, never trusted in their place."""
    report = PackageReport()
    with _open(path) as files:
        names = files.names()
        present = set(names)
        _check_duplicates(names, report)
        listed = _check_sums(files, present, report, max_entry_bytes)
        for name in sorted(present - set(listed) - _UNLISTED):
            report.problems.append(f"added: {name} (not listed in {SUMS})")
        _check_signature(files, present, trusted_key, fingerprint, report)
        runs = _check_chain(files, present, report)
        _check_timestamps(files, present, runs, tsa_roots, max_skew_minutes, require_timestamps, report)
        _check_proofs(files, present, runs, report)
    return report


def _check_duplicates(names: list[str], report: PackageReport) -> None:
    """A name twice in a zip (or twice but for case, which collide when unpacked on
    many systems): a reader may be shown either copy, whichever one was hashed."""
    seen = Counter(name.casefold() for name in names)
    for name in sorted({n for n in names if seen[n.casefold()] > 1}):
        report.problems.append(f"duplicate: {name} (the package holds more than one entry of that name)")


def _check_sums(files: _Files, present: set[str], report: PackageReport, limit: int) -> dict[str, str]:
    if SUMS not in present:
        report.problems.append(f"missing: {SUMS}")
        return {}
    listed: dict[str, str] = {}
    for number, line in enumerate(_read(files, SUMS).decode("utf-8", "replace").splitlines(), start=1):
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
        try:
            actual = _sha256(files, name, limit)
        except EntryTooLarge as exc:
            report.problems.append(f"altered: {exc}")
            continue
        if actual != expected:
            report.problems.append(f"altered: {name} (its SHA-256 is not the one in {SUMS})")
    return listed


def _check_signature(
    files: _Files,
    present: set[str],
    trusted_key: bytes | None,
    fingerprint: str | None,
    report: PackageReport,
) -> None:
    for name in (SIGNATURE, PUBLIC_KEY):
        if name not in present:
            report.problems.append(f"missing: {name} (an unsigned package is not intact)")
    if SIGNATURE not in present or SUMS not in present or PUBLIC_KEY not in present:
        return
    packaged = _read(files, PUBLIC_KEY)
    own = signing.fingerprint(packaged)
    report.fingerprint = own
    if trusted_key is not None:
        report.fingerprint_source = "the key given with --public-key"
        if own != signing.fingerprint(trusted_key):
            report.problems.append(
                f"signature: the package's {PUBLIC_KEY} is not the public key given with --public-key"
            )
    if fingerprint is not None:
        report.fingerprint_source = "the fingerprint given with --fingerprint"
        wanted = fingerprint if fingerprint.startswith("sha256:") else "sha256:" + fingerprint
        if own != wanted.lower():
            report.problems.append(
                f"signature: the package was signed by {own}, not by {wanted} (--fingerprint)"
            )
    _check_written_fingerprint(files, present, own, report)
    key = trusted_key if trusted_key is not None else packaged
    why = signing.verify(key, _read(files, SIGNATURE), _read(files, SUMS))
    if why:
        report.problems.append(f"signature: {SIGNATURE} does not verify {SUMS} ({why})")


def _check_written_fingerprint(files: _Files, present: set[str], own: str, report: PackageReport) -> None:
    """The key must be the one manifest.json and index.html name (a swapped key is not)."""
    if MANIFEST in present:
        try:
            written = json.loads(_read(files, MANIFEST))["signature"]["fingerprint"]
        except (ValueError, KeyError, TypeError):
            written = None
        if written != own:
            report.problems.append(
                f"signature: {MANIFEST} names the key {written}, the package carries {own}"
            )
    if "index.html" in present and own not in _read(files, "index.html").decode("utf-8", "replace"):
        report.problems.append(f"signature: index.html does not show the signing key's fingerprint {own}")


def _check_chain(files: _Files, present: set[str], report: PackageReport) -> list[dict[str, Any]]:
    """The chain's runs (none when it cannot be read)."""
    if CHAIN not in present:
        return []  # reported as missing by the sums check
    try:
        runs: list[dict[str, Any]] = json.loads(_read(files, CHAIN))["runs"]
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
            last = (json.loads(_read(files, MANIFEST)).get("runs") or {}).get("last")
            if last and (previous is None or last.get("digest") != previous["digest"]):
                report.problems.append(f"chain: the last run in {CHAIN} is not the one {MANIFEST} names")
    except (ValueError, KeyError, TypeError) as exc:
        report.problems.append(
            f"altered: {CHAIN} cannot be read as a run chain ({type(exc).__name__}: {exc})"
        )
        return []
    return runs


def _check_timestamps(
    files: _Files,
    present: set[str],
    runs: list[dict[str, Any]],
    tsa_roots: bytes | None,
    max_skew_minutes: int,
    require: bool,
    report: PackageReport,
) -> None:
    """Each run's token against the chain's digest and finish (not the index's copies)."""
    from cryptography import x509

    from evidra.trust.check import RunSeal, check_tokens

    if TIMESTAMPS not in present:
        report.unstamped = [run["seq"] for run in runs]
        if require and runs:
            report.problems.append(f"timestamps: missing: {TIMESTAMPS} (--require-timestamps)")
        return
    try:
        listed = {entry["seq"]: entry for entry in json.loads(_read(files, TIMESTAMPS))["runs"]}
        seals = [RunSeal(run["id"], run["seq"], run["digest"], _time(run["finished_at"])) for run in runs]
    except (ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"altered: {TIMESTAMPS} cannot be read ({type(exc).__name__}: {exc})")
        return
    tokens: dict[str, bytes] = {}
    for run in runs:
        name = (listed.get(run["seq"]) or {}).get("token")
        if name:
            if name not in present:
                report.problems.append(f"timestamps: run {run['id']} (seq {run['seq']}): missing: {name}")
                continue
            tokens[run["id"]] = _read(files, name)
    if tsa_roots is None and TSA_CA in present:
        tsa_roots, report.tsa_roots = _read(files, TSA_CA), f"the package's own {TSA_CA} (pass --tsa-ca)"
    elif tsa_roots is not None:
        report.tsa_roots = "the roots given with --tsa-ca"
    if tokens and tsa_roots is None:
        report.problems.append("timestamps: no TSA root to check the tokens against (--tsa-ca)")
        return
    roots = x509.load_pem_x509_certificates(tsa_roots) if tsa_roots else []
    checked = check_tokens(seals, tokens, roots, timedelta(minutes=max_skew_minutes))
    report.problems += [f"timestamps: {problem}" for problem in checked.problems]
    report.tokens_checked = len(tokens)
    report.unstamped = [run.seq for run in checked.unstamped]
    if require and checked.unstamped:
        report.problems.append(
            f"timestamps: {len(checked.unstamped)} run(s) have no token (--require-timestamps): seq "
            + ", ".join(str(seq) for seq in report.unstamped[:50])
        )


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _check_proofs(
    files: _Files, present: set[str], runs: list[dict[str, Any]], report: PackageReport
) -> None:
    """Every proof reaches its run's root; every run's metadata, result row and evidence
    file is covered by one, and shows what that proof's record sealed."""
    proof_files = sorted(name for name in present if name.startswith(PROOFS) and name.endswith(".json"))
    if not proof_files:
        report.problems.append(f"missing: {PROOFS} (nothing ties the rows to the sealed runs)")
        return
    roots = {run["seq"]: run["merkle_root"] for run in runs}
    shown: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    run_records: dict[int, dict[str, Any]] = {}
    for name in proof_files:
        if not _check_proof_file(files, name, roots, shown, run_records, report):
            return
    _check_run_records(runs, run_records, report)
    _check_rows(files, present, shown, report)


def _check_proof_file(
    files: _Files,
    name: str,
    roots: dict[int, str],
    shown: dict[str, list[tuple[int, dict[str, Any]]]],
    run_records: dict[int, dict[str, Any]],
    report: PackageReport,
) -> bool:
    """One run's proofs; False when the file cannot be read as such."""
    try:
        document = json.loads(_read(files, name))
        if document.get("schema") == SCHEMA_PATHS:
            proven = [
                (proof["seq"], proof["record"], proof["shown_in"])
                for proof in document["proofs"]
                if _path_holds(proof, roots, report)
            ]
        else:
            proven = _multiproof_holds(name, document, roots, report)
        for seq, record, places in proven:
            if record["kind"] == "run":
                run_records[seq] = {key: value for key, value in record.items() if key != "kind"}
            for place in places:
                shown.setdefault(place, []).append((seq, record))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        report.problems.append(f"altered: {name} cannot be read ({type(exc).__name__}: {exc})")
        return False
    return True


def _sealed_leaf(record: dict[str, Any]) -> str:
    return leaf(record["kind"], {name: value for name, value in record.items() if name != "kind"})


def _path_holds(proof: dict[str, Any], roots: dict[int, str], report: PackageReport) -> bool:
    """A v1 proof: one record's own path to its run's root."""
    report.proofs_checked += 1
    if root_from_path(_sealed_leaf(proof["record"]), proof["path"]) == roots.get(proof["seq"]):
        return True
    report.problems.append(
        f"proofs: a {proof['record']['kind']} shown in {', '.join(proof['shown_in']) or 'the chain'} "
        f"is not in the sealed root of run seq {proof['seq']}"
    )
    return False


def _multiproof_holds(
    name: str, document: dict[str, Any], roots: dict[int, str], report: PackageReport
) -> list[tuple[int, dict[str, Any], list[str]]]:
    """A v2 file: its records together reach their run's root, or none is proven."""
    seq, records = document["seq"], document["records"]
    leaves = {entry["index"]: _sealed_leaf(entry["record"]) for entry in records}
    report.proofs_checked += len(records)
    problem = None
    if len(leaves) != len(records):
        problem = "two records claim one leaf"
    else:
        try:
            if root_from_multiproof(document["leaves"], leaves, document["nodes"]) != roots.get(seq):
                problem = f"its records are not in the sealed root of run seq {seq}"
        except ValueError as exc:
            problem = str(exc)
    counts = [entry["record"] for entry in records if entry["record"].get("kind") == "run"]
    if problem is None and counts:
        sealed = sum(
            counts[0][name] for name in ("observation_count", "scope_count", "error_count", "result_count")
        )
        if document["leaves"] != sealed + 1:
            problem = f"it counts {document['leaves']} leaves, the run sealed {sealed + 1}"
    if problem:
        report.problems.append(f"proofs: {name}: {problem}")
        return []
    return [(seq, entry["record"], entry["shown_in"]) for entry in records]


def _check_run_records(
    runs: list[dict[str, Any]], sealed: dict[int, dict[str, Any]], report: PackageReport
) -> None:
    for run in runs:
        record = sealed.get(run["seq"])
        if record is None:
            report.problems.append(f"proofs: run seq {run['seq']} has no proof of its sealed metadata")
            continue
        changed = sorted(name for name, value in record.items() if run.get(name) != value)
        if changed:
            report.problems.append(
                f"chain: run {run['id']} (seq {run['seq']}): {', '.join(changed)} in {CHAIN} "
                "differ from what the run sealed"
            )


def _check_rows(
    files: _Files,
    present: set[str],
    shown: dict[str, list[tuple[int, dict[str, Any]]]],
    report: PackageReport,
) -> None:
    controls = json.loads(_read(files, MANIFEST)).get("controls", []) if MANIFEST in present else []
    for control in controls:
        name = f"controls/{control}.csv"
        if name not in present:
            continue  # reported by the sums check
        text = _read(files, name).decode("utf-8", "replace")
        for number, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=1):
            where = f"{name}#{number}"
            proven = {
                seq
                for seq, record in shown.get(where, [])
                if result_key(control, record) == row_key(control, row)
            }
            try:
                claimed = {int(row["first_run"]), int(row["last_run"])}
            except (KeyError, TypeError, ValueError):
                report.problems.append(f"proofs: {where} has no first_run/last_run")
                continue
            if not claimed <= proven:
                report.problems.append(
                    f"proofs: {where} is not what run(s) seq {', '.join(map(str, sorted(claimed - proven)))} "
                    "sealed (the row was altered, or has no proof)"
                )
            else:
                report.rows_proven += 1
    for name in sorted(present):
        if name.startswith("evidence/"):
            digest = "sha256:" + _sha256(files, name, MAX_ENTRY_BYTES)
            if PurePosixPath(name).stem != digest.removeprefix("sha256:"):
                report.problems.append(f"altered: {name} (its content is not the snapshot its name says)")
            elif not any(
                record.get("kind") == "observation" and record.get("snapshot_hash") == digest
                for _, record in shown.get(name, [])
            ):
                report.problems.append(f"proofs: {name} has no proof that a run observed it")
