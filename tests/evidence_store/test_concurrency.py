"""Writers at the same moment queue up: one linear chain, distinct seqs, nothing lost."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable

from evidra.evidence_store.store import EvidenceStore, RunRecord

WRITERS = 4
RUNS_EACH = 3


def _run_together(workers: list[Callable[[], None]]) -> list[BaseException]:
    """Start all workers at once (a barrier), wait for them, return what they raised."""
    barrier = threading.Barrier(len(workers))
    failures: list[BaseException] = []

    def start(work: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=30)
            work()
        except BaseException as exc:  # collected and asserted on by the test
            failures.append(exc)

    threads = [threading.Thread(target=start, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer is stuck"
    return failures


def test_concurrent_writers_build_one_linear_chain(
    store_url: str, store: EvidenceStore, make_run: Callable[..., RunRecord]
) -> None:
    recorded: list[str] = []

    def writer(number: int) -> Callable[[], None]:
        def work() -> None:
            with EvidenceStore.open(store_url) as own:  # its own engine, as another process would
                # Hold the chain a moment after reading the previous run: without the
                # write lock, the others would read the same previous run and fork.
                own.write_hook = lambda stage: time.sleep(0.02) if stage == "locked" else None
                for day in range(RUNS_EACH):
                    run = make_run(number * 100 + day, bucket_encrypted=day % 2 == 0)
                    own.record_run(run)
                    recorded.append(run.id)

        return work

    assert _run_together([writer(n) for n in range(WRITERS)]) == []

    runs = store.runs()
    assert sorted(run.id for run in runs) == sorted(recorded)
    assert [run.seq for run in runs] == list(range(1, WRITERS * RUNS_EACH + 1))
    assert [run.previous_digest for run in runs] == [None] + [run.digest for run in runs[:-1]]
    report = store.verify()
    assert (report.ok, report.runs_checked) == (True, WRITERS * RUNS_EACH)


# Opens the store at an agreed moment, so that the processes really race.
_OPEN_AT = """
import sys, time
from evidra.evidence_store.store import EvidenceStore
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
EvidenceStore.open(sys.argv[1]).close()
"""


def test_processes_opening_a_new_database_at_once_migrate_it_once(store_url: str) -> None:
    """Separate processes, because within one process a plain lock already serialises
    migrations: this checks the database's own lock."""
    start = time.time() + 2  # after every interpreter has imported the store
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN_AT, store_url, str(start)], stderr=subprocess.PIPE, text=True
        )
        for _ in range(WRITERS)
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]
    failures = [error for process, error in zip(processes, errors, strict=True) if process.returncode]

    assert failures == []
    with EvidenceStore.open(store_url) as store:
        assert [event["action"] for event in store.events()] == ["migrate"]
