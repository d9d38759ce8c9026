"""Benchmark: the auditor's evidence package for a Type II year.

    /work/venv/bin/python bench/bench_report.py --runs 365 --resources 10000 --keep /tmp/bench-report.db

It also prints the size of the package's inclusion proofs (runs/proofs/).

Fills a SQLite store with bench_store.py's synthetic year (one run a day over
`--resources` bucket-like resources, 1% daily churn; skipped when `--keep` names a
database that already exists), then builds the signed package for the whole period
in a fresh process, so that its peak memory (max RSS) is the report's alone, and
verifies it. Prints the build time, the package's size and file count, the peak
memory and the verification time. Nothing asserted: the figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import DAY0, Estate

from evidra.evidence_store.store import EvidenceStore


def fill(url: str, runs: int, resources: int, churn: float) -> None:
    """The year through the store's own API (`EvidenceStore.record_run`, the path every
    collect ends in), no collectors: bench_store.py's synthetic estate with its daily
    churn. Resumable: a database already holding some of the runs is continued (the
    estate's changes are seeded, so replaying them gives the same history), so a year
    is filled once, and a month's database grows into it."""
    from evidra.evidence_store.store import EvidenceStore

    estate = Estate(resources, churn)
    started = time.perf_counter()
    with EvidenceStore.open(url) as store:
        stored = len(store.runs())
        for _ in range(1, min(stored, runs)):
            estate.change()  # replay: cheap (only the changed resources are rebuilt)
        for day in range(stored, runs):
            if day:
                estate.change()
            store.record_run(estate.run(day))
            if (day + 1) % 30 == 0:
                print(f"stored {day + 1} runs ({time.perf_counter() - started:.0f} s)", flush=True)


def build(url: str, runs: int, folder: str) -> dict[str, object]:
    """In this (fresh) process: the package for the whole period, timed."""
    from evidra.controls.catalog import select
    from evidra.evidence_store.store import EvidenceStore
    from evidra.reports.package import build as build_package
    from evidra.reports.period import Period
    from evidra.reports.signing import init_key, load_key
    from evidra.reports.verify_package import verify_package

    key_path = Path(folder) / "key.pem"
    init_key(key_path)
    end = (DAY0 + timedelta(days=runs - 1)).date()
    period = Period(DAY0.date(), end)
    target = Path(folder) / "package.zip"
    started, cpu = time.perf_counter(), time.process_time()
    with EvidenceStore.open(url) as store:
        built = build_package(store, period, select(None), load_key(key_path), target, now=datetime.now(UTC))
    build_s, build_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    load = os.getloadavg()  # 1, 5, 15 minutes: the machine is shared
    # max RSS of the build (this process so far) and of the process making its proofs
    rss, proofs_rss = (
        resource.getrusage(who).ru_maxrss * 1024 for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    started = time.perf_counter()
    verified = verify_package(target)
    verify_s = time.perf_counter() - started
    with zipfile.ZipFile(target) as archive:
        proof_files = [info for info in archive.infolist() if info.filename.startswith("runs/proofs/")]
        documents = [json.loads(archive.read(info)) for info in proof_files]
        proof_count = sum(len(document["records"]) for document in documents)
        node_count = sum(len(document["nodes"]) for document in documents)
        rows = {
            name.removeprefix("controls/").removesuffix(".csv"): list(
                csv.DictReader(io.StringIO(archive.read(name).decode(), newline=""))
            )
            for name in archive.namelist()
            if name.startswith("controls/") and name.endswith(".csv") and name.count(".") == 1
        }
    # The proofs' share of the build: the same proofs again, from the rows as packaged.
    from evidra.reports import proofs as package_proofs
    from evidra.reports.tables import evidence_path

    started = time.perf_counter()
    with EvidenceStore.open(url) as store:
        package_proofs.build(store, [run.seq for run in store.runs()], rows, evidence_path)
    proofs_s = time.perf_counter() - started
    return {
        "proofs_s": proofs_s,
        "proofs_zip_bytes": sum(info.compress_size for info in proof_files),
        "proofs_bytes": sum(info.file_size for info in proof_files),
        "proofs": proof_count,
        "nodes": node_count,
        "proofs_checked": verified.proofs_checked,
        "rows_proven": verified.rows_proven,
        "build_s": build_s,
        "build_cpu_s": build_cpu_s,
        "load": load,
        "zip_bytes": target.stat().st_size,
        "uncompressed_bytes": built.bytes,
        "files": built.files,
        "evidence": built.evidence,
        "runs": built.runs,
        "controls": built.controls,
        "peak_rss_bytes": rss,
        "proofs_rss_bytes": proofs_rss,
        "verify_s": verify_s,
        "verify_ok": verified.ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--churn", type=float, default=0.01)
    parser.add_argument("--keep", help="SQLite file to fill once and reuse")
    parser.add_argument("--fill-only", action="store_true", help="fill (or continue) --keep and stop")
    parser.add_argument(
        "--fast-fill", action="store_true", help="write a new database's history at the cost of its changes"
    )
    parser.add_argument("--build-only", help=argparse.SUPPRESS)  # the child process: URL
    args = parser.parse_args()
    if args.build_only:
        print(json.dumps(build(args.build_only, args.runs, tempfile.mkdtemp())))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "bench.db"
        url = f"sqlite:///{path}"
        if args.fast_fill and not path.exists():
            from history import fill_fast

            fill_fast(url, Estate(args.resources, args.churn), args.runs)
            started = time.perf_counter()
            with EvidenceStore.open(url) as store:
                checked = store.verify()
            print(
                f"store verify: {'ok' if checked.ok else checked.problem}, {checked.runs_checked} runs "
                f"in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
            if not checked.ok:
                raise SystemExit(1)
        fill(url, args.runs, args.resources, args.churn)  # nothing to do when already filled
        if args.fill_only:
            return
        child = subprocess.run(
            [sys.executable, __file__, "--runs", str(args.runs), "--build-only", url],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"package for {figures['runs']} runs, {figures['controls']} controls: "
        f"built in {figures['build_s']:.1f} s (CPU {figures['build_cpu_s']:.1f} s, load average "
        f"{' '.join(f'{x:.1f}' for x in figures['load'])} as it ended); "
        f"zip {figures['zip_bytes'] / 2**20:.1f} MiB "
        f"({figures['uncompressed_bytes'] / 2**20:.1f} MiB uncompressed), "
        f"{figures['files']} files of which {figures['evidence']} evidence; "
        f"peak RSS {figures['peak_rss_bytes'] / 2**20:.0f} MiB "
        f"(the proofs' process {figures['proofs_rss_bytes'] / 2**20:.0f} MiB); "
        f"verify {'ok' if figures['verify_ok'] else 'FAILED'} in {figures['verify_s']:.1f} s"
    )
    print(
        f"inclusion proofs (runs/proofs/): {figures['proofs']} records proven with "
        f"{figures['nodes']} other nodes, "
        f"{figures['proofs_zip_bytes'] / 2**20:.1f} MiB in the zip "
        f"({figures['proofs_bytes'] / 2**20:.1f} MiB uncompressed); "
        f"verify recomputed {figures['proofs_checked']} and proved {figures['rows_proven']} rows; "
        f"making the proofs took {figures['proofs_s']:.1f} s of the build"
    )


if __name__ == "__main__":
    main()
