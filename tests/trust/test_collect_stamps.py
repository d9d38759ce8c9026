"""`evidra collect` itself timestamps and anchors the run it stores (the real command
line in a subprocess, boto3 on moto's server, OpenSSL's TSA), and a TSA that cannot
be reached changes neither its exit code nor what it stores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3

from evidra.emulators.tsa_server import TsaServer
from evidra.evidence_store.store import EvidenceStore


def _collect(workdir: Path, tsa_url: str, tsa: TsaServer) -> subprocess.CompletedProcess[str]:
    (workdir / "evidra.yaml").write_text(
        "providers: {aws: {regions: [us-east-1], max_attempts: 2}}\n"
        "database: sqlite:///evidra.db\n"
        f"timestamping: {{tsa_urls: [{tsa_url}], ca_file: {tsa.ca_file}, timeout_seconds: 5}}\n"
        "anchor: {s3: {bucket: collect-anchors, retention_days: 1}}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDRA_")}
    return subprocess.run(
        [sys.executable, "-m", "evidra", "collect", "--format", "json"],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_collect_stamps_and_anchors_its_run_and_survives_a_dead_tsa(
    shared_estate: object, emulator: Any, tsa: TsaServer, tmp_path: Path
) -> None:
    emulator.touched()  # the anchor bucket is not part of the demo estate other tests read
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="collect-anchors", ObjectLockEnabledForBucket=True)
    try:
        down = _collect(tmp_path, "https://127.0.0.1:9/tsr", tsa)
        assert down.returncode == 1, down.stderr  # the estate fails controls on purpose, as without
        first = json.loads(down.stdout)["run"]["id"]
        done = _collect(tmp_path, tsa.url, tsa)
        second = json.loads(done.stdout)["run"]["id"]
        with EvidenceStore.open(f"sqlite:///{tmp_path}/evidra.db") as store:
            assert [run.id for run in store.runs()] == [first, second]
            tokens = store.timestamps()
            assert tokens[first]["token"] and tokens[second]["token"]  # the first retried by the second
            assert tokens[first]["attempts"] == 2 and tokens[second]["attempts"] == 1
            assert store.unanchored_runs() == []
    finally:
        versions = s3.list_object_versions(Bucket="collect-anchors").get("Versions", [])
        assert len(versions) == 2
