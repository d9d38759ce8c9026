"""Benchmark: the Okta collector on a large organisation, run by hand.

    .venv/bin/python bench/bench_okta.py --users 50000

Starts the fake Okta (src/evidra/emulators/okta_server.py) serving a synthetic organisation of
the given size in a separate process, so that its memory is not counted, and collects
it once with the real `okta` SDK over HTTPS. Prints wall time, API requests (by
operation), peak Python heap (tracemalloc) and the process's peak resident size, and
the size of what is kept per user. The figures go in bench/README.md. Nothing here
asserts a time or a size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from evidra.canonical import canonical_bytes
from evidra.collectors.okta.collector import OktaCollector
from evidra.config.settings import OktaSettings

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
    try:
        os.environ["SSL_CERT_FILE"] = fake["cert_file"]
        os.environ[TOKEN_ENV] = fake["token"]
        settings = OktaSettings(org_url=fake["url"], token_env=TOKEN_ENV, max_concurrency=args.concurrency)
        collector = OktaCollector(settings)
        tracemalloc.start()
        started = time.perf_counter()
        collection = collector.collect()
        elapsed = time.perf_counter() - started
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        process.terminate()
        process.wait(timeout=10)

    users = [o for o in collection.observations if o.type == "identity.user"]
    kept = sum(len(canonical_bytes(o.snapshot())) for o in users)
    stats = collector.api_stats
    maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"users collected     {len(users):,} (errors: {[e.message for e in collection.errors]})")
    print(f"wall time           {elapsed:.1f} s ({len(users) / elapsed:,.0f} users/s)")
    print(f"API requests        {stats.requests:,} ({stats.retries} retries)")
    for operation, count in sorted(stats.by_operation.items(), key=lambda item: -item[1]):
        print(f"  {operation:30} {count:,}")
    print(f"peak Python heap    {peak / 2**20:,.0f} MiB (tracemalloc, collection only)")
    print(f"held afterwards     {held / 2**20:,.0f} MiB (the Collection: every observation)")
    print(f"peak RSS            {maxrss_mib:,.0f} MiB (whole process)")
    print(f"kept per user       {kept / max(len(users), 1):,.0f} bytes of canonical JSON snapshot")


if __name__ == "__main__":
    main()
