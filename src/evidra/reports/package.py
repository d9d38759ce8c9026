"""Builds the evidence package (contract: DESIGN.md), as a zip or a folder:

    index.html                   the report (self-contained)
    report.json                  the same for programs
    coverage.csv                 every policy requirement and what evidences it
    controls/<id>.csv            results (intervals of runs, or the sampled runs), with observed_at
    controls/<id>.population.csv every resource of its types observed, in scope or not (and why)
    controls/<id>.schedule.csv   each expected day (week) and whether it has evidence
    controls/<id>.exceptions.csv, controls/<id>.findings.csv, controls/<id>.json
    evidence/<sha256>.json       the snapshot each result cites (name = SHA-256 of the file)
    provenance/<sha256>.json     who read that snapshot (principal), with which API calls, and when
    manual/<sha256>[.ext]        manual evidence files; manual.csv lists them, in or outside the period
    people/*.csv, people/summary.json  joiners, movers, leavers with their accounts and removal
                                 delays, access reviews with decisions and follow-up (reports/people.py)
    vulnerabilities/findings.csv, summary.csv  every finding of the period with its dates and
                                 deadline; per severity: fixed in time, late, open past deadline;
                                 reviewed within a business day or not
    vulnerabilities/coverage.csv every instance, repository and function, scanned or not
    inputs/<sha256>.txt          files that drove verdicts (terminations file ...), as in force
    runs/chain.json              the period's runs with their seals, to recompute the chain
    runs/proofs/<seq>.json       inclusion proofs: each result row and evidence file in its run's root
    runs/timestamps.json         each run's RFC 3161 token (runs/timestamps/<seq>.tsr), its time
    runs/tsa-ca.pem              the TSA root(s) the tokens chain to (also get them out of band)
    runs/runs.csv                each run: version, configuration file and inputs in force
    runs/config/<sha256>.json    each distinct effective configuration (secrets named, never held)
    runs/scopes.csv              every scope each run read or failed to read, with the error
    oscal/assessment-results.json
    workbook.xlsx
    README.txt                   how to verify without evidra
    signing-key.pub              the Ed25519 public key (PEM)
    manifest.json                what is inside, the period, the chain's head, the key
    SHA256SUMS                   `sha256sum -c SHA256SUMS` checks every file above
    SHA256SUMS.sig               Ed25519 signature over SHA256SUMS (64 raw bytes)

A zip is written to a temporary file beside the target and renamed into place when
complete: a package exists whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from evidra import __version__
from evidra.controls.catalog import Control
from evidra.cycles import collector_paused
from evidra.evidence_store.integrity import SEALED_FIELDS
from evidra.evidence_store.store import EvidenceStore
from evidra.model import iso
from evidra.reports import (
    people,
    proofs,
    render_csv,
    render_html,
    render_json,
    render_oscal,
    render_xlsx,
    scan_coverage,
    signing,
    tables,
    vulnerabilities,
)
from evidra.reports.coverage import CoverageRow, coverage, criteria
from evidra.reports.period import Period, PeriodReport, analyse
from evidra.reports.sampling import Sample

# The result columns the proofs read (proofs.ROW_FIELDS, and the runs a row claims).
PROVEN_COLUMNS = ("first_run", "last_run", *proofs.ROW_FIELDS)
PROVEN_PLACES = tuple(tables.RESULT_COLUMNS.index(name) for name in PROVEN_COLUMNS)
EVIDENCE_PLACE = tables.RESULT_COLUMNS.index("evidence")
SUMS, SIGNATURE, PUBLIC_KEY, MANIFEST = "SHA256SUMS", "SHA256SUMS.sig", "signing-key.pub", "manifest.json"
CHAIN = "runs/chain.json"
TIMESTAMPS, TSA_CA = "runs/timestamps.json", "runs/tsa-ca.pem"
MANIFEST_SCHEMA = "evidra.package/v1"
# What a run's entry in runs/chain.json holds: its sealed metadata and its seal.
CHAIN_FIELDS = (*SEALED_FIELDS["run"], "merkle_root", "previous_digest", "digest")


@dataclass(frozen=True)
class TrustMaterial:
    tsa_ca: bytes | None = None  # PEM root(s) of the TSAs (timestamping.ca_file)
    max_skew_minutes: int = 10


@dataclass(frozen=True)
class BuiltPackage:
    path: Path
    files: int
    bytes: int
    runs: int
    controls: int
    evidence: int
    fingerprint: str


class Sink:
    """Where files go (a zip or a folder); remembers each file's SHA-256 and size."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[str, int]] = {}

    def add(self, name: str, data: bytes) -> None:
        if name in self.files:
            raise ValueError(f"{name} written twice")
        self.files[name] = (hashlib.sha256(data).hexdigest(), len(data))
        self._write(name, data)

    def add_chunks(self, name: str, chunks: Iterable[bytes]) -> None:
        """A file given in pieces, written as they come (a year's control table or JSON
        is a hundred megabytes or more: never held whole)."""
        if name in self.files:
            raise ValueError(f"{name} written twice")
        digest, size = hashlib.sha256(), 0
        with self._open(name) as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        self.files[name] = (digest.hexdigest(), size)

    def _write(self, name: str, data: bytes) -> None:
        raise NotImplementedError

    def _open(self, name: str) -> IO[bytes]:
        raise NotImplementedError


# Deflate level of the package's entries. Level 6 (zlib's default) took three times as
# long as 3 over a year's JSON and CSV (144 MiB of a control's JSON: 2.5 s against 1.0 s)
# for 15% smaller files (14.0 against 16.4 MiB).
LEVEL = 3


class ZipSink(Sink):
    def __init__(self, archive: zipfile.ZipFile, stamp: datetime) -> None:
        super().__init__()
        self._archive = archive
        self._stamp = stamp.timetuple()[:6]

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        # ZipFile.open takes no level: Python 3.13 names the ZipInfo's compress_level.
        setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", LEVEL)
        return info

    def _write(self, name: str, data: bytes) -> None:
        self._archive.writestr(self._info(name), data, compresslevel=LEVEL)

    def _open(self, name: str) -> IO[bytes]:
        # zip64: the size is not known before the entry is written
        return self._archive.open(self._info(name), "w", force_zip64=True)


class FolderSink(Sink):
    def __init__(self, root: Path) -> None:
        super().__init__()
        self._root = root

    def _write(self, name: str, data: bytes) -> None:
        target = self._root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def _open(self, name: str) -> IO[bytes]:
        target = self._root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target.open("wb")


def build(
    store: EvidenceStore,
    period: Period,
    controls: Sequence[Control],
    key: Ed25519PrivateKey,
    target: Path,
    *,
    now: datetime,
    sample: Sample | None = None,
    as_folder: bool = False,
    trust: TrustMaterial | None = None,
    policy: dict[str, Any] | None = None,
) -> BuiltPackage:
    """Analyse the period and write the package to `target` (a .zip file, or a folder
    that must not exist yet or be empty). `trust`: the TSA roots and allowed skew, when
    runs are timestamped (their tokens are packaged whenever they exist). `policy`: the
    config's version, owner and approval date of the policy set, for the first page."""
    report = analyse(store, period, controls, now, policy)
    rows = coverage(report, store.manual_evidence())
    report.criteria = criteria(report, rows)
    target.parent.mkdir(parents=True, exist_ok=True)
    if as_folder:
        if target.exists() and any(target.iterdir()):
            raise FileExistsError(f"{target} is not empty")
        staging = Path(tempfile.mkdtemp(prefix=".evidra-package-", dir=target.parent))
        try:
            sink: Sink = FolderSink(staging)
            evidence = _write(sink, store, report, rows, key, sample, trust or TrustMaterial())
            if target.exists():
                target.rmdir()
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    else:
        descriptor, temporary = tempfile.mkstemp(prefix=".evidra-package-", suffix=".zip", dir=target.parent)
        os.close(descriptor)
        try:
            with zipfile.ZipFile(temporary, "w", allowZip64=True) as archive:
                sink = ZipSink(archive, now)
                evidence = _write(sink, store, report, rows, key, sample, trust or TrustMaterial())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return BuiltPackage(
        path=target,
        files=len(sink.files),
        bytes=sum(size for _, size in sink.files.values()),
        runs=len(report.runs),
        controls=len(report.controls),
        evidence=evidence,
        fingerprint=signing.fingerprint(signing.public_pem(key)),
    )


# A year's report is millions of objects, and writing it makes millions more (rows, none
# in a cycle): the cycle collector would walk the report again and again.
@collector_paused()
def _write(
    sink: Sink,
    store: EvidenceStore,
    report: PeriodReport,
    rows: list[CoverageRow],
    key: Ed25519PrivateKey,
    sample: Sample | None,
    trust: TrustMaterial,
) -> int:
    cited: set[str] = set()
    seqs = [run.seq for run in report.runs]
    # The proofs are made beside the other files (reports/proofs.Pending) and added in their place.
    with proofs.Pending(store, seqs, _proven(report, sample, cited), tables.evidence_path) as pending:
        public = signing.public_pem(key)
        fingerprint = signing.fingerprint(public)
        times: dict[Any, str | None] = {}
        for item in report.controls:
            name = f"controls/{item.control.id}"
            results = list(tables.result_values(item, report, sample))
            population = list(tables.population_values(item, shown=times))
            sink.add_chunks(f"{name}.csv", render_csv.csv_chunks(tables.RESULT_COLUMNS, results))
            sink.add_chunks(
                f"{name}.population.csv", render_csv.csv_chunks(tables.POPULATION_COLUMNS, population)
            )
            windows, findings = tables.window_rows(item), tables.finding_rows(item)
            sink.add(f"{name}.exceptions.csv", render_csv.to_csv(tables.WINDOW_COLUMNS, windows))
            sink.add(f"{name}.findings.csv", render_csv.to_csv(tables.FINDING_COLUMNS, findings))
            sink.add(
                f"{name}.schedule.csv", render_csv.to_csv(tables.SCHEDULE_COLUMNS, tables.schedule_rows(item))
            )
            document = render_json.control_document(item, report, sample, results, population)
            sink.add_chunks(f"{name}.json", render_json.dump_chunks(document))
            del results, population, document
        del times
        write_evidence(sink, store, report, sorted(cited))
        written: set[str] = set()
        for row in rows:
            for evidence in row.manual + row.outside:
                path = tables.manual_path(evidence)
                if path not in written:
                    written.add(path)
                    sink.add(path, store.manual_file(evidence["file"]))
        sink.add("manual.csv", render_csv.to_csv(tables.MANUAL_COLUMNS, tables.manual_rows(rows)))
        people.write(sink, store, report, _parameters(report))
        sections = [
            vulnerabilities.write(sink, store, report, _parameters(report)),
            scan_coverage.write(sink, store, report),
        ]
        _write_runs(sink, report)
        sink.add("coverage.csv", render_csv.to_csv(tables.COVERAGE_COLUMNS, tables.coverage_rows(rows)))
        sink.add("report.json", render_json.dumps(render_json.report_document(report, rows, sample)))
        sink.add(CHAIN, render_json.dumps(_chain(report)))
        for name, body in pending.result():
            sink.add(name, body)
        stamped = _timestamps(sink, store, report, trust)
        sink.add("oscal/assessment-results.json", render_json.dumps(render_oscal.render(report)))
        sink.add("workbook.xlsx", render_xlsx.render(report, rows, sample))
        sink.add("index.html", render_html.render(report, rows, sample, fingerprint, sections))
        sink.add("README.txt", _readme(report, fingerprint, stamped).encode())
        sink.add(PUBLIC_KEY, public)
        manifest = _manifest(report, sample, fingerprint, sink.files, len(cited))
        manifest["timestamps"] = {"runs": len(report.runs), "stamped": len(stamped), "index": TIMESTAMPS}
        sink.add_chunks(MANIFEST, render_json.dump_chunks(manifest))
        sums = "".join(f"{digest}  {name}\n" for name, (digest, _) in sorted(sink.files.items())).encode()
        sink.add(SUMS, sums)
        sink.add(SIGNATURE, signing.sign(key, sums))
    return len(cited)


def _proven(report: PeriodReport, sample: Sample | None, cited: set[str]) -> dict[str, list[dict[str, Any]]]:
    """What the proofs need of each control's result rows, in the rows' order (the rest
    of a row is made again as its control is written, not kept for the whole build);
    adds the evidence the rows cite to `cited`."""
    proven: dict[str, list[dict[str, Any]]] = {}
    values_of = itemgetter(*PROVEN_PLACES)
    for item in report.controls:
        proven[item.control.id] = table = []
        for values in tables.result_values(item, report, sample):
            table.append(dict(zip(PROVEN_COLUMNS, values_of(values), strict=True)))
            if values[EVIDENCE_PLACE]:
                cited.add(values[EVIDENCE_PLACE])
    return proven


def _timestamps(
    sink: Sink, store: EvidenceStore, report: PeriodReport, trust: TrustMaterial
) -> list[dict[str, Any]]:
    """The period runs' tokens as files, and an index; returns the stamped runs' entries."""
    from evidra.evidence_store.integrity import timestamp

    tokens = store.timestamps()
    entries = []
    for run in report.runs:
        kept = tokens.get(run.id) or {}
        entry: dict[str, Any] = {"seq": run.seq, "id": run.id, "digest": run.digest, "token": None}
        if kept.get("token") is not None:
            path = f"runs/timestamps/{run.seq}.tsr"
            sink.add(path, kept["token"])
            late = kept["gen_time"] - run.finished_at
            entry |= {
                "token": path,
                "tsa": kept["tsa"],
                "trusted_time": timestamp(kept["gen_time"]),
                "minutes_after_finish": round(late.total_seconds() / 60, 1),
                "late": late.total_seconds() > trust.max_skew_minutes * 60,
            }
        entries.append(entry)
    if trust.tsa_ca is not None:
        sink.add(TSA_CA, trust.tsa_ca)
    document = {
        "schema": "evidra.package.timestamps/v1",
        "imprint": "SHA-256 of the UTF-8 text of the run's digest (sha256:<hex>), as in runs/chain.json",
        "max_skew_minutes": trust.max_skew_minutes,
        "late": "a token more than max_skew_minutes after its run's finish proves only its own, later time",
        "runs": entries,
    }
    sink.add(TIMESTAMPS, render_json.dumps(document))
    return [entry for entry in entries if entry["token"]]


PROVENANCE_SCHEMA = "evidra.package.provenance/v1"


def provenance_path(key: str) -> str:
    return f"provenance/{key.removeprefix('sha256:')}.json"


def write_evidence(sink: Sink, store: EvidenceStore, report: PeriodReport, keys: list[str]) -> None:
    """evidence/<hex>.json: the snapshot a result cites, byte for byte as sealed (its
    SHA-256 is <hex>, which runs/proofs/ ties to a run's root); beside it
    provenance/<hex>.json: who read it (principal), with which API calls, and when the
    resource's scope was read (observed_at), for every read of it in the period. Built
    as text around the stored bytes, so that a year's evidence is not parsed again."""
    provenance: dict[str, bytes] = {}
    wanted = sorted({row.provenance_hash for key in keys for row in report.reads.get(key, ())})
    for start in range(0, len(wanted), 2000):
        provenance.update(store.snapshot_bodies(wanted[start : start + 2000]))
    first_seq, last_seq = (report.runs[0].seq, report.runs[-1].seq) if report.runs else (None, None)
    observed: dict[tuple[int, str], bytes] = {}  # a few runs' scopes: strftime once each

    def observed_at(seq: int, scope: str) -> bytes:
        text = observed.get((seq, scope))
        if text is None:
            text = observed[(seq, scope)] = _json(iso(report.observed_at(seq, scope)))
        return text

    for start in range(0, len(keys), 2000):  # bounded memory: bodies a batch at a time
        batch = keys[start : start + 2000]
        bodies = store.snapshot_bodies(batch)
        for key in batch:
            sink.add(tables.evidence_path(key), bodies[key])
            reads = sorted(report.reads.get(key, ()), key=lambda row: row.first_seq)
            entries = []
            for row in reads:
                first = row.first_seq if first_seq is None else max(row.first_seq, first_seq)
                last = row.last_seq if last_seq is None else min(row.last_seq, last_seq)
                entries.append(
                    b'{"first_run":%d,"last_run":%d,"observed_at":%s,"last_observed_at":%s,'
                    b'"scope":%s,"provenance_sha256":%s,"provenance":%s}'
                    % (
                        first,
                        last,
                        observed_at(first, row.scope),
                        observed_at(last, row.scope),
                        _json(row.scope),
                        _json(row.provenance_hash),
                        provenance[row.provenance_hash],
                    )
                )
            latest = entries[-1] if entries else b"null"
            sink.add(
                provenance_path(key),
                b'{"schema":"%s","evidence":%s,"read":%s,"reads":[%s]}\n'
                % (PROVENANCE_SCHEMA.encode(), _json(key), latest, b",".join(entries)),
            )


def _parameters(report: PeriodReport) -> dict[str, Any]:
    """The policy parameters in force at the period's last run (the defaults without one)."""
    from evidra.controls.requirements import default_parameters

    recorded = report.run_parameters.get(report.runs[-1].seq, {}) if report.runs else {}
    return {**default_parameters(), **(recorded.get("parameters") or {})}


def _json(value: Any) -> bytes:
    if isinstance(value, str):  # json.dumps' own path for a string, without its wrapping
        return encode_basestring(value).encode()
    return json.dumps(value, ensure_ascii=False).encode()


def _write_runs(sink: Sink, report: PeriodReport) -> None:
    """Each run's version, configuration and input files in force, and its scope inventory."""
    import hashlib
    import json

    configs: dict[str, bytes] = {}
    inputs: dict[str, bytes] = {}
    read: Counter[int] = Counter(s.seq for s in report.scopes if not s.error)
    failed: Counter[int] = Counter(s.seq for s in report.scopes if s.error)
    rows = []
    for run in report.runs:
        recorded = report.run_parameters.get(run.seq, {})
        config = recorded.get("config")
        config_path = None
        if config:
            body = (json.dumps(config, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
            config_path = f"runs/config/{hashlib.sha256(body).hexdigest()}.json"
            configs[config_path] = body
        files = []
        for entry in recorded.get("inputs") or []:
            if "content" in entry and entry.get("sha256"):
                path = f"inputs/{entry['sha256'].removeprefix('sha256:')}.txt"
                inputs[path] = entry["content"].encode()
                files.append(f"{entry['provider']}.{entry['setting']}={path}")
            else:
                files.append(f"{entry['provider']}.{entry['setting']}: {entry.get('error', 'not kept')}")
        rows.append(
            {
                "run": run.seq,
                "id": run.id,
                "started_at": iso(run.started_at),
                "finished_at": iso(run.finished_at),
                "evidra_version": run.tool_version,
                "providers": " ".join(recorded.get("providers") or []),
                "configuration": config_path,
                "inputs": " ".join(files),
                "scopes_read": read[run.seq],
                "scopes_failed": failed[run.seq],
            }
        )
    for path, body in {**configs, **inputs}.items():
        sink.add(path, body)
    sink.add("runs/runs.csv", render_csv.to_csv(RUNS_COLUMNS, rows))
    sink.add("runs/scopes.csv", render_csv.to_csv(tables.SCOPE_COLUMNS, tables.scope_rows(report)))


RUNS_COLUMNS = (
    "run",
    "id",
    "started_at",
    "finished_at",
    "evidra_version",
    "providers",
    "configuration",
    "inputs",
    "scopes_read",
    "scopes_failed",
)


def _chain(report: PeriodReport) -> dict[str, Any]:
    from evidra.evidence_store.integrity import timestamp

    return {
        "schema": "evidra.package.chain/v1",
        "digest": (
            "digest = sha256 of the canonical JSON (keys sorted, no spaces, UTF-8) of "
            '{"merkle_root": ..., "previous": previous_digest, "run": id, "seq": seq}; '
            "each run's previous_digest is the digest of the run before it"
        ),
        "runs": [
            {
                **{name: getattr(run, name) for name in CHAIN_FIELDS},
                "started_at": timestamp(run.started_at),
                "finished_at": timestamp(run.finished_at),
            }
            for run in report.runs
        ],
        "store_head": (
            {"seq": report.head.seq, "id": report.head.id, "digest": report.head.digest}
            if report.head
            else None
        ),
    }


def _manifest(
    report: PeriodReport,
    sample: Sample | None,
    fingerprint: str,
    files: dict[str, tuple[str, int]],
    evidence: int,
) -> dict[str, Any]:
    runs = report.runs
    return {
        "schema": MANIFEST_SCHEMA,
        "generator": f"evidra {__version__}",
        "generated_at": iso(report.generated_at),
        "period": {"start": report.period.start, "end": report.period.end},
        "period_in_progress": report.in_progress,
        "policy": report.policy or None,
        "controls": [item.control.id for item in report.controls],
        "sample": sample.to_dict() if sample else None,
        "runs": {
            "count": len(runs),
            "first": {"seq": runs[0].seq, "id": runs[0].id, "previous_digest": runs[0].previous_digest}
            if runs
            else None,
            "last": {"seq": runs[-1].seq, "id": runs[-1].id, "digest": runs[-1].digest} if runs else None,
        },
        "evidence_files": evidence,
        "signature": {
            "algorithm": "Ed25519",
            "signed_file": SUMS,
            "signature_file": SIGNATURE,
            "public_key": PUBLIC_KEY,
            "fingerprint": fingerprint,
        },
        # an iterator, written as it is made (render_json.dump_chunks): a year is 360,000 files
        "files": (
            {"path": name, "sha256": digest, "bytes": size} for name, (digest, size) in sorted(files.items())
        ),
    }


def _readme(report: PeriodReport, fingerprint: str, stamped: list[dict[str, Any]]) -> str:
    progress = (
        "\nPERIOD IN PROGRESS: the period ends after the newest stored run; this package\n"
        "shows the period so far and is not the period's final evidence.\n"
        if report.in_progress
        else ""
    )
    return f"""SOC 2 evidence package for {report.period}, made by evidra {__version__}
{"=" * 72}
{progress}
Open index.html in a browser (it works offline). The same content is in
workbook.xlsx, report.json, controls/ (CSV and JSON per control) and
oscal/assessment-results.json.

What is where (for testing completeness and accuracy)
------------------------------------------------------

controls/<id>.population.csv   every resource of the control's types that evidra
    observed in the period, with in_scope (yes / partly / no) and, when not, the
    reason in words; first and last seen; the scope (account, subscription ...)
    it came from. Reconcile it with the system's own listing, then sample from it.
controls/<id>.schedule.csv     each day (week, for weekly controls) of the period:
    the runs that ran the control and, for days without evidence, why ("no run",
    "only failed reads: <scopes>"). These are the control's no-evidence gaps.
controls/<id>.csv              every result, with the runs it held in and when the
    resource was read (observed_at); exceptions.csv (one row per part: an
    exception that expired shows its excepted part, then the failing part) and
    findings.csv (one-time events that failed: date and delay).
evidence/<hex>.json            the resource as read (the file's SHA-256 is <hex>, the
    result's "evidence"); provenance/<hex>.json says who read it (principal), with
    which API calls (service, operation, parameters) and when its scope was read.
runs/runs.csv, runs/config/, runs/scopes.csv, inputs/   each run's evidra version,
    effective configuration (secrets are named, never included), the input files
    in force (the terminations file ...) and every scope read or not read.
manual.csv                     manual evidence, including files just outside the
    period (marked "outside the period").

Drawing your own sample: `evidra sample --population controls/<id>.population.csv
--size N --seed S` (or `--from selection.csv` with your own control,id,date rows)
builds a package of exactly the selected items. Without evidra, the same draw is:

    import csv, random
    rows = list(csv.DictReader(open("controls/<id>.population.csv")))
    rows = [r for r in rows if r["in_scope"] != "no"]
    picked = random.Random(S).sample(rows, min(N, len(rows)))

How to verify this package without evidra
-----------------------------------------

1. Every file is unaltered (run inside the unpacked package):

       sha256sum -c SHA256SUMS

   Every line must say OK. A file that is not listed in SHA256SUMS was added
   (only SHA256SUMS and SHA256SUMS.sig are not listed).

2. SHA256SUMS was signed by the organisation's key. Compare the key's
   fingerprint with the one the organisation gave you out of band:

       sha256sum signing-key.pub        # must be {fingerprint.removeprefix("sha256:")}

   (the same fingerprint is in manifest.json and index.html; only one you got from
   the organisation out of band tells their key from a forger's)

   then check the Ed25519 signature (OpenSSL 3):

       openssl pkeyutl -verify -pubin -inkey signing-key.pub -rawin \\
           -in SHA256SUMS -sigfile SHA256SUMS.sig

   It must print "Signature Verified Successfully".

3. The runs form an unbroken chain (runs/chain.json): for each run, digest =
   SHA-256 of the canonical JSON (keys sorted, separators "," and ":", UTF-8)
   of {{"merkle_root": ..., "previous": <previous_digest>, "run": <id>, "seq": <seq>}},
   written "sha256:<hex>"; and each run's previous_digest is the digest of the
   run before it. In Python:

       import hashlib, json
       runs = json.load(open("runs/chain.json"))["runs"]
       for before, run in zip([None] + runs, runs):
           doc = {{"merkle_root": run["merkle_root"], "previous": run["previous_digest"],
                  "run": run["id"], "seq": run["seq"]}}
           text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
           assert run["digest"] == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
           assert before is None or run["previous_digest"] == before["digest"]

   The last run's digest is also in manifest.json, which SHA256SUMS covers and the
   signature seals: nobody can drop the newest runs unnoticed.

4. The runs' seals existed when a Time-Stamp Authority says (RFC 3161), which the
   organisation cannot forge: runs/timestamps.json lists each run's token. Get the
   TSA's root certificate from the TSA itself (runs/tsa-ca.pem is the organisation's
   copy) and check a token with OpenSSL, for example {_token_example(stamped)}
   A token whose time is long after its run's recorded finish ("late": true) proves
   only that later time: a run written after the fact (backfilled) looks like this.

5. Each result row (controls/<id>.csv) and each evidence file is in its run's sealed
   Merkle root: runs/proofs/<seq>.json holds the records as sealed, each with its
   leaf's place among the run's sorted leaves ("index"), and the other nodes needed
   to reach the run's root, each once ("nodes": level, index, hex). Recompute every
   root (Python 3, standard library):

       import glob, hashlib, json
       h = lambda data: hashlib.sha256(data).digest()
       roots = {{run["seq"]: run["merkle_root"] for run in json.load(open("runs/chain.json"))["runs"]}}
       for f in glob.glob("runs/proofs/*.json"):
           p = json.load(open(f))
           width, level, nodes = p["leaves"], 0, {{}}
           given = {{(n[0], n[1]): bytes.fromhex(n[2]) for n in p["nodes"]}}
           for r in p["records"]:
               text = json.dumps(r["record"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
               assert 0 <= r["index"] < width and r["index"] not in nodes, f
               nodes[r["index"]] = h(text.encode())
           while width > 1:
               upper = {{}}
               for i in sorted(nodes):
                   if i == width - 1 and i % 2 == 0:
                       upper[i // 2] = nodes[i]
                   elif i // 2 not in upper:
                       pair = (i - i % 2, i - i % 2 + 1)
                       left, right = (nodes.get(j) or given.pop((level, j)) for j in pair)
                       upper[i // 2] = h(b"\x01" + left + right)
               nodes, level, width = upper, level + 1, (width + 1) // 2
           assert not given and list(nodes) == [0], f
           assert "sha256:" + nodes[0].hex() == roots[p["seq"]], f

   and compare a few records with the rows their "shown_in" names (row 1 is the first
   after the header): control, provider, scope, type, id, status, reason, evidence.
   A row is proven in its first_run and its last_run.

`evidra verify <this package> --fingerprint {fingerprint} --tsa-ca TSA-ROOT.pem`
does all five, with the fingerprint and the TSA root you obtained out of band, and
names every altered, added or missing file, row, token and proof.
"""


def _token_example(stamped: list[dict[str, Any]]) -> str:
    if not stamped:
        return "(no run of this period has a token).\n"
    run = stamped[-1]
    return f"""run {run["seq"]}:

       printf %s '{run["digest"]}' > seal.txt
       openssl ts -verify -data seal.txt -in {run["token"]} -CAfile TSA-ROOT.pem

   It must print "Verification: OK"; "trusted_time" in runs/timestamps.json is the
   token's time (openssl ts -reply -in {run["token"]} -text shows it)."""


SELECTION_COLUMNS = (
    "item",
    "control",
    "provider",
    "scope",
    "type",
    "id",
    "name",
    "date",
    "found",
    "run",
    "observed_at",
    "status",
    "reason",
    "evidence",
)


def build_sample(
    store: EvidenceStore,
    items: Sequence[Any],
    controls: Sequence[Control],
    key: Ed25519PrivateKey,
    target: Path,
    *,
    now: datetime,
    method: dict[str, Any],
) -> BuiltPackage:
    """A package of exactly the selected items (sampling.Item): for each, the control's
    result on that resource in the last run that started on that day, with its evidence;
    a day without a run, or a run without that result, is a gap row, never skipped."""
    from evidra.reports.period import Period

    days = [item.day for item in items]
    period = Period(min(days), max(days))
    report = analyse(store, period, controls, now)
    by_control = {item.control.id: item for item in report.controls}
    runs_by_day: dict[Any, list[int]] = {}
    for run in report.runs:
        runs_by_day.setdefault(run.started_at.date(), []).append(run.seq)
    rows: list[dict[str, Any]] = []
    for number, item in enumerate(items, start=1):
        row: dict[str, Any] = {"item": number, **item.to_dict(), "found": "", "name": None}
        analysed = by_control.get(item.control)
        seqs = runs_by_day.get(item.day, [])
        if not seqs:
            row["found"] = f"gap: no run started on {item.day}"
        elif analysed is not None:
            names = tables.display_names(analysed)
            for seq in reversed(seqs):
                span = next(
                    (
                        s
                        for s in analysed.results
                        if s.first_seq <= seq <= s.last_seq and item.matches(s.resource)
                    ),
                    None,
                )
                if span is not None:
                    row.update(span.resource)
                    row.update(
                        found="yes",
                        name=names.get(span.key),
                        run=seq,
                        observed_at=iso(report.observed_at(seq, span.resource["scope"])),
                        status=span.status,
                        reason=span.reason,
                        evidence=span.evidence,
                    )
                    break
            else:
                unreadable = [
                    g
                    for g in analysed.gaps
                    if g["seq"] in seqs and (item.scope is None or g["scope"] == item.scope)
                ]
                row["found"] = f"gap: no result for it in run(s) {', '.join(map(str, seqs))}" + (
                    f" ({unreadable[-1]['reason']})" if unreadable else ""
                )
        rows.append(row)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".evidra-sample-", suffix=".zip", dir=target.parent)
    os.close(descriptor)
    try:
        with zipfile.ZipFile(temporary, "w", allowZip64=True) as archive:
            sink = ZipSink(archive, now)
            cited = sorted({row["evidence"] for row in rows if row.get("evidence")})
            write_evidence(sink, store, report, cited)
            sink.add("selection.csv", render_csv.to_csv(SELECTION_COLUMNS, rows))
            # The found items as result rows, one run each, proven in runs/proofs/.
            results: dict[str, list[dict[str, Any]]] = {control.id: [] for control in controls}
            for row in rows:
                if row["found"] == "yes":
                    results[row["control"]].append(
                        {
                            **row,
                            "first_run": row["run"],
                            "last_run": row["run"],
                            "runs": 1,
                            "last_observed_at": row["observed_at"],
                        }
                    )
            for control_id, table in results.items():
                sink.add(f"controls/{control_id}.csv", render_csv.to_csv(tables.RESULT_COLUMNS, table))
            proofs.write(sink, store, [run.seq for run in report.runs], results, tables.evidence_path)
            document = {
                "schema": "evidra.package.sample/v1",
                **method,
                "period": {"start": period.start, "end": period.end},
                "items": rows,
            }
            sink.add("sample.json", render_json.dumps(document))
            sink.add(CHAIN, render_json.dumps(_chain(report)))
            public = signing.public_pem(key)
            fingerprint = signing.fingerprint(public)
            sink.add("README.txt", _sample_readme(report, method, fingerprint).encode())
            sink.add(PUBLIC_KEY, public)
            manifest = _manifest(report, None, fingerprint, sink.files, len(cited))
            manifest["auditor_sample"] = {key: value for key, value in method.items() if key != "selection"}
            sink.add(MANIFEST, render_json.dumps(manifest))
            sums = "".join(f"{digest}  {name}\n" for name, (digest, _) in sorted(sink.files.items())).encode()
            sink.add(SUMS, sums)
            sink.add(SIGNATURE, signing.sign(key, sums))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return BuiltPackage(
        path=target,
        files=len(sink.files),
        bytes=sum(size for _, size in sink.files.values()),
        runs=len(report.runs),
        controls=len(controls),
        evidence=len(cited),
        fingerprint=fingerprint,
    )


def _sample_readme(report: PeriodReport, method: dict[str, Any], fingerprint: str) -> str:
    redraw = ""
    if method.get("population"):
        redraw = f"""
The same items, drawn again without evidra (Python 3, from the population file
{method["population"]["file"]} whose SHA-256 is {method["population"]["sha256"]}):

    import csv, random
    from datetime import date, timedelta
    rows = [r for r in csv.DictReader(open("{method["population"]["file"]}", encoding="utf-8-sig"))
            if r["in_scope"] != "no"]
    rng = random.Random({method["seed"]})
    for r in rng.sample(rows, min({method["size"]}, len(rows))):
        first = date.fromisoformat(r["first_seen"][:10])
        last = date.fromisoformat(r["last_seen"][:10])
        print(r["id"], first + timedelta(days=rng.randrange((last - first).days + 1)))
"""
    general = _readme(report, fingerprint, []).split("How to verify this package without evidra", 1)[1]
    return f"""Sample of evidence selected by the auditor, made by evidra {__version__}
{"=" * 72}

selection.csv lists every selected item (control, resource, day) with the result
the resource had in the last run that started that day, when its scope was read
(observed_at), and the evidence file: evidence/<hex>.json holds the resource as read,
provenance/<hex>.json who read it with which API calls. controls/<id>.csv repeats the
found items as result rows, which runs/proofs/ proves in their runs' sealed roots.
An item whose day has no run, or whose run has no result for it, is a row marked
"gap", never left out.

Method: {method["method"]}
sample.json holds the method, the seed and the selection.
{redraw}
How to verify this package without evidra{general}"""
