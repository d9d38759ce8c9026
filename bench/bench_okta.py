"""Benchmark: the Okta collector on a large organisation, run by hand.

    .venv/bin/python bench/bench_okta.py --users 50000

Starts the fake Okta (src/evidra/emulators/okta_server.py) serving a synthetic organisation of
the given size in a separate process, so that its memory is not counted, and collects
it once with the real `okta` SDK over HTTPS, evaluates every control and stores the
sealed run in a fresh SQLite database: the whole run, as `evidra collect okta` does
it. Prints wall time, peak Python heap (tracemalloc) while collecting and while
storing, the process's peak resident size, what was spooled to disk and the
database's size. The figures go in bench/README.md. Nothing here
asserts a time or a size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from evidra.config.loader import LoadedConfig
from evidra.config.settings import OktaSettings, Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.requirements import default_parameters
from evidra.runner import run, store

ROOT = Path(__file__).resolve().parents[1]
TOKEN_ENV = "EVIDRA_BENCH_OKTA_TOKEN"  # noqa: S105 - a variable name


def start_fake(users: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "evidra.emulators.okta_server", "--users", str(users)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    process, fake = start_fake(args.users)
    folder = tempfile.TemporaryDirectory(prefix="evidra-bench-okta-")
    database = f"sqlite:///{folder.name}/evidra.db"
    try:
        os.environ["SSL_CERT_FILE"] = fake["cert_file"]
        os.environ[TOKEN_ENV] = fake["token"]
        settings = OktaSettings(org_url=fake["url"], token_env=TOKEN_ENV, max_concurrency=args.concurrency)
        config = LoadedConfig(
            Settings(database=database, providers=Providers(okta=settings)), None, default_parameters()
        )
        tracemalloc.start()
        started = time.perf_counter()
        outcome = run(config, select(None), ["okta"])
        collected = time.perf_counter() - started
        _, peak_run = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        store(outcome, database)
        total = time.perf_counter() - started
        held, peak_store = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        process.terminate()
        process.wait(timeout=10)

    collection = outcome.collection
    users = sum(1 for o in collection.observations if o.type == "identity.user")
    db_bytes = sum(f.stat().st_size for f in Path(folder.name).glob("evidra.db*"))
    folder.cleanup()
    maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"users collected     {users:,} (errors: {[e.message for e in collection.errors]})")
    print(f"collect + evaluate  {collected:.1f} s ({users / collected:,.0f} users/s)")
    print(f"run stored          {total:.1f} s in all ({total - collected:.1f} s storing)")
    print(f"results             {len(outcome.results):,}")
    print(f"peak Python heap    {peak_run / 2**20:,.0f} MiB collecting and evaluating (tracemalloc)")
    print(f"                    {peak_store / 2**20:,.0f} MiB storing and sealing")
    print(f"held afterwards     {held / 2**20:,.0f} MiB")
    print(f"peak RSS            {maxrss_mib:,.0f} MiB (whole process)")
    print(f"spooled to disk     {collection.observations.bytes_on_disk / 2**20:,.0f} MiB of observations")
    print(f"database            {db_bytes / 2**20:,.1f} MiB ({db_bytes / max(users, 1):,.0f} bytes per user)")


if __name__ == "__main__":
    main()
