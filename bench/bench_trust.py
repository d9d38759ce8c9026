"""Benchmark: what trusted time and anchors add to each run.

    /work/venv/bin/python bench/bench_trust.py --runs 30 --resources 10000

Stores `--runs` daily runs of bench_store.py's synthetic estate, and after each one
times what follows it: the RFC 3161 timestamp of its seal from a local TSA (OpenSSL's
`openssl ts -reply` behind HTTPS, emulators/tsa_server.py: a real TSA adds its network
round trip) with the token's verification, and the write of its anchor to moto's S3
with Object Lock (a separate process). Then times `verify`'s token checks and
`verify --anchors`' read-back. Prints medians; nothing asserted: the figures go in
bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import Estate

from evidra.config.settings import Settings
from evidra.emulators.moto_process import MotoProcess
from evidra.emulators.tsa_server import TsaServer
from evidra.evidence_store.store import EvidenceStore
from evidra.trust.anchors import S3Anchors, compare
from evidra.trust.check import RunSeal, check_tokens
from evidra.trust.service import secure_runs
from evidra.trust.tsa import load_roots


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--resources", type=int, default=10_000)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        TsaServer(Path(tmp) / "tsa") as tsa,
        MotoProcess(managed_policies=(), quiet=True) as moto,
    ):
        os.environ.update(
            SSL_CERT_FILE=tsa.tls_cert_file,
            AWS_ENDPOINT_URL=moto.endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
        )
        import boto3

        boto3.client("s3").create_bucket(Bucket="bench-anchors", ObjectLockEnabledForBucket=True)
        url = f"sqlite:///{tmp}/bench.db"
        settings = Settings.model_validate(
            {
                "database": url,
                "timestamping": {"tsa_urls": [tsa.url], "ca_file": str(tsa.ca_file)},
                "anchor": {"s3": {"bucket": "bench-anchors", "retention_days": 1}},
            }
        )
        estate = Estate(args.resources, 0.01)
        store_s, stamp_s, anchor_s = [], [], []
        writer = S3Anchors(settings.anchor.s3)  # type: ignore[union-attr]
        with EvidenceStore.open(url) as store:
            for day in range(args.runs):
                if day:
                    estate.change()
                started = time.perf_counter()
                store.record_run(estate.run(day))
                store_s.append(time.perf_counter() - started)
                started = time.perf_counter()
                done = secure_runs(store, settings.model_copy(update={"anchor": None}))
                stamp_s.append(time.perf_counter() - started)
                started = time.perf_counter()
                secure_runs(store, settings.model_copy(update={"timestamping": None}), anchors=writer)
                anchor_s.append(time.perf_counter() - started)
                assert not done.errors, done.errors
            runs = store.runs()
            tokens = {key: row["token"] for key, row in store.timestamps().items()}
            seals = [RunSeal(run.id, run.seq, run.digest, run.finished_at) for run in runs]
            started = time.perf_counter()
            # The synthetic runs' recorded times are in the past: allow any skew here.
            checked = check_tokens(seals, tokens, load_roots(tsa.ca_file), timedelta(days=3650))
            verify_tokens_s = time.perf_counter() - started
            started = time.perf_counter()
            anchors, markers = writer.read_all()
            problems = compare(anchors, runs, None, markers)
            verify_anchors_s = time.perf_counter() - started
    median = statistics.median
    print(
        f"{args.runs} runs of {args.resources} resources: store a run {median(store_s):.2f} s (median); "
        f"then timestamp it {median(stamp_s) * 1000:.0f} ms (max {max(stamp_s) * 1000:.0f}), "
        f"anchor it {median(anchor_s) * 1000:.0f} ms (max {max(anchor_s) * 1000:.0f}); "
        f"token size {statistics.mean(len(t) for t in tokens.values()):.0f} bytes; "
        f"verify {checked.stamped} tokens in {verify_tokens_s * 1000:.0f} ms, "
        f"read back {len(anchors)} anchors in {verify_anchors_s * 1000:.0f} ms ({len(problems)} problems)"
    )


if __name__ == "__main__":
    main()
