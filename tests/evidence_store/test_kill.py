"""A writer killed with SIGKILL in the middle of a run leaves nothing of it behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from evidra.evidence_store.store import EvidenceStore, RunRecord
from tests.fakes.tables import table_counts

# A collect-like writer: a large synthetic run through the store's API. Once its
# observations are written (uncommitted), it says so through a file and waits to die.
_WRITER = """
import sys, time, uuid
from datetime import timedelta
from pathlib import Path
from evidra.evidence_store.store import EvidenceStore
from tests.evidence_store.conftest import build_run

url, ready = sys.argv[1], Path(sys.argv[2])
run = build_run(1, bucket_encrypted=False)
template = run.collection.observations[0]
for n in range(5000):
    run.collection.observations.append(
        type(template)(**{**template.__dict__, "id": f"arn:aws:s3:::bulk-{n}", "attributes": {"n": n}})
    )

def hook(stage):
    if stage == "observation":
        ready.write_text("observations written")
        time.sleep(600)

with EvidenceStore.open(url) as store:
    store.write_hook = hook
    store.record_run(run)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_writer_leaves_no_partial_run(
    store_url: str, store: EvidenceStore, raw: Engine, make_run: Callable[..., RunRecord], tmp_path: Path
) -> None:
    first = store.record_run(make_run(0))
    before = table_counts(raw)
    ready = tmp_path / "ready"
    root = Path(__file__).resolve().parents[2]
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, store_url, str(ready)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert writer.poll() is None, writer.communicate()[1]
            assert time.monotonic() < deadline, "the writer never reached its observations"
            time.sleep(0.05)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.communicate(timeout=60)
    assert writer.returncode == -signal.SIGKILL

    assert table_counts(raw) == before
    assert [run.id for run in store.runs()] == [first.id]
    following = store.record_run(make_run(2))  # waits for the server to notice the dead writer
    assert (following.seq, following.previous_digest) == (2, first.digest)
    report = store.verify()
    assert (report.ok, report.runs_checked) == (True, 2)
