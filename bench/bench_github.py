"""Benchmark: the GitHub collector on an organisation of 200 repositories and 20,000
pull requests merged over a year, collected in full, then daily; run by hand.

    .venv/bin/python bench/bench_github.py --repos 200 --merged 20000

The fake GitHub (src/evidra/emulators/github_server.py) serves the synthetic
organisation in a process of its own. Three collections with the real githubkit client,
each evaluated and stored in one SQLite database as `evidra collect github` does:
1. the first run, reading every merge of the year (`since` a year ago);
2. the next day's run with nothing changed: its cursor is the first run's read time,
   from the evidence store, and every GET is conditional (ETag);
3. a run whose cursor is a day old: one day's merges are read.
Prints requests, rate-limit units (answers GitHub counts: every one but a 304), 304s,
requests per merged pull request against the API's minimum, wall time, peak Python heap
and the database's size. Nothing here asserts a time or a size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from evidra.collectors.github.collector import GitHubCollector
from evidra.config.loader import LoadedConfig
from evidra.config.settings import GitHubSettings, Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.evidence_store.store import EvidenceStore
from evidra.model import utcnow
from evidra.runner import RunOutcome, store

ROOT = Path(__file__).resolve().parents[1]
TOKEN_ENV = "EVIDRA_BENCH_GITHUB_TOKEN"  # noqa: S105 - a variable name


def start_fake(repos: int, merged: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evidra.emulators.github_server",
            "--repos",
            str(repos),
            "--merged",
            str(merged),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def collect_and_store(
    settings: GitHubSettings, database: str, last_read: datetime | None
) -> dict[str, float]:
    collector = GitHubCollector(settings)
    if last_read is not None:
        collector.resume({collector.scope: last_read})
    else:
        with EvidenceStore.open(database) as evidence:
            collector.resume(evidence.last_reads("github"))
    tracemalloc.start()
    started_at, started = utcnow(), time.perf_counter()
    collection = collector.collect()
    collected = time.perf_counter() - started
    controls = select(None)
    results = evaluate(controls, collection, default_parameters(), utcnow(), [])
    config = LoadedConfig(Settings(database=database, providers=Providers(github=settings)), None, {})
    outcome = RunOutcome("", started_at, utcnow(), ["github"], controls, collection, results, {})
    import uuid

    outcome.id = str(uuid.uuid4())
    store(outcome, config.settings.database)
    total = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stats = collector.api_stats
    merged = sum(1 for o in collection.observations if o.type == "change.merge")
    return {
        "errors": len(collection.errors),
        "merged": merged,
        "observations": len(collection.observations),
        "requests": stats.requests,
        "units": stats.units,
        "not_modified": stats.not_modified,
        "per_merge": {
            op: stats.by_operation.get(op, 0)
            for op in ("getPullRequest", "listReviews", "listCheckRunsForRef", "listPullRequests")
        },
        "collect_s": collected,
        "total_s": total,
        "peak_mib": peak / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--merged", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    process, fake = start_fake(args.repos, args.merged)
    folder = tempfile.TemporaryDirectory(prefix="evidra-bench-github-")
    database = f"sqlite:///{folder.name}/evidra.db"
    try:
        os.environ["SSL_CERT_FILE"] = fake["cert_file"]
        os.environ[TOKEN_ENV] = fake["token"]
        settings = GitHubSettings(
            organization="bench",
            api_url=fake["url"],
            token_env=TOKEN_ENV,
            since=(datetime.now(UTC) - timedelta(days=366)).date(),
            cache_dir=f"{folder.name}/cache",
            max_workers=args.workers,
        )
        full = collect_and_store(settings, database, None)
        unchanged = collect_and_store(settings, database, None)
        day = collect_and_store(settings, database, datetime.now(UTC) - timedelta(days=1))
    finally:
        process.terminate()
        process.wait(timeout=10)
    db_bytes = sum(f.stat().st_size for f in Path(folder.name).glob("evidra.db*"))
    folder.cleanup()
    for name, figures in (("full", full), ("unchanged daily", unchanged), ("a day of merges", day)):
        merged = max(int(figures["merged"]), 1)
        print(f"{name}: {json.dumps(figures)}")
        per_request, per_unit = figures["requests"] / merged, figures["units"] / merged
        print(f"  requests per merged PR {per_request:.2f}, units per merged PR {per_unit:.2f}")
    share = 100 * unchanged["units"] / full["units"]
    print(f"unchanged daily run: {unchanged['units']} units = {share:.2f}% of the full read")
    print(f"database after three runs: {db_bytes / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
