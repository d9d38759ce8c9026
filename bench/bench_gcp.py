"""Benchmark: the GCP collector on a large organisation, run by hand.

    .venv/bin/python bench/bench_gcp.py --projects 200 --assets 20000

Starts the fake Cloud Asset API (src/evidra/emulators/gcp_server.py) serving a synthetic
organisation of the given size in a separate process, so that its cost is not counted,
and collects it once with the real google-cloud-asset client over HTTPS (the key
exchanged at the fake's token endpoint). Prints wall time, API requests by method, then
collects again under tracemalloc for the peak Python heap, and the process's peak
resident size. The figures go in
bench/README.md. Nothing here asserts a time or a size.
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
from collections import Counter
from pathlib import Path

from evidra.collectors.gcp.collector import GcpCollector
from evidra.config.settings import GcpSettings

ROOT = Path(__file__).resolve().parents[1]
ORGANIZATION = "987654321098"  # the synthetic organisation's id


def start_fake(projects: int, assets: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evidra.emulators.gcp_server",
            "--projects",
            str(projects),
            "--assets",
            str(assets),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=500)
    args = parser.parse_args()

    process, fake = start_fake(args.projects, args.assets)
    try:
        os.environ["REQUESTS_CA_BUNDLE"] = fake["cert_file"]
        settings = GcpSettings(
            organization=ORGANIZATION,
            api_endpoint=fake["url"],
            credentials_file=fake["key_file"],
            page_size=args.page_size,
        )
        collector = GcpCollector(settings)
        started = time.perf_counter()
        collection = collector.collect()
        elapsed = time.perf_counter() - started
        # Again under tracemalloc, which slows Python down several times: heap only.
        tracemalloc.start()
        GcpCollector(settings).collect()
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        process.terminate()
        process.wait(timeout=10)

    observations = list(collection.observations)
    by_type = Counter(o.type for o in observations)
    stats = collector.api_stats
    maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"organisation        {args.projects} projects, {fake['assets']:,} assets served")
    print(f"observations        {len(observations):,} (errors: {[e.message for e in collection.errors]})")
    for type_name, count in sorted(by_type.items(), key=lambda item: -item[1]):
        print(f"  {type_name:30} {count:,}")
    print(f"wall time           {elapsed:.1f} s")
    print(f"API requests        {stats.requests:,} ({stats.retries} retries), page size {args.page_size}")
    for method, count in sorted(stats.by_method.items(), key=lambda item: -item[1]):
        print(f"  {method:30} {count:,}")
    print(f"peak Python heap    {peak / 2**20:,.0f} MiB (tracemalloc, collection only)")
    print(f"held afterwards     {held / 2**20:,.0f} MiB (the second Collection; observations spill to disk)")
    print(f"peak RSS            {maxrss_mib:,.0f} MiB (whole process)")


if __name__ == "__main__":
    main()
