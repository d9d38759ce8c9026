"""Staging for scale-out runs: a scope reported twice is kept once, staged reports are
not evidence, and they are deleted with their run (and when stale)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from evidra.evidence_store.store import EvidenceStore, RunRecord
from evidra.model import utcnow


def test_the_first_report_of_a_scope_stands(store: EvidenceStore) -> None:
    run_id = str(uuid.uuid4())
    assert store.stage_scope(run_id, "aws:111111111111", "ok", b"first") is True
    assert store.stage_scope(run_id, "aws:111111111111", "error", b"second") is False
    assert store.stage_scope(run_id, "aws:222222222222", "error", b"other") is True

    assert store.staged_keys(run_id) == {"aws:111111111111", "aws:222222222222"}
    staged = store.staged_scopes(run_id)
    assert (staged["aws:111111111111"].status, staged["aws:111111111111"].payload) == ("ok", b"first")
    assert staged["aws:222222222222"].status == "error"
    assert store.staged_keys(str(uuid.uuid4())) == set()


def test_staged_scopes_are_not_evidence(store: EvidenceStore, make_run: Callable[..., RunRecord]) -> None:
    store.stage_scope(str(uuid.uuid4()), "aws:111111111111", "ok", b"x" * 1000)
    assert store.runs() == []
    store.record_run(make_run(0))
    report = store.verify()
    assert report.ok and report.runs_checked == 1
    assert store.stats()["observations"] == 3


def test_a_run_and_stale_reports_are_discarded(store: EvidenceStore) -> None:
    sealed, waiting = str(uuid.uuid4()), str(uuid.uuid4())
    store.stage_scope(sealed, "aws:111111111111", "ok", b"a")
    store.stage_scope(sealed, "aws:222222222222", "ok", b"b")
    store.stage_scope(waiting, "aws:111111111111", "ok", b"c")

    assert store.discard_staged(sealed, reported_before=utcnow() - timedelta(hours=1)) == 2
    assert store.staged_keys(sealed) == set()
    assert store.staged_keys(waiting) == {"aws:111111111111"}, "another run's recent report stays"
    assert store.discard_staged(str(uuid.uuid4()), reported_before=utcnow() + timedelta(seconds=1)) == 1
    assert store.staged_keys(waiting) == set(), "a stale report goes with any run's discard"


def test_a_report_by_another_task_cannot_take_the_real_ones_place(store: EvidenceStore) -> None:
    """Staging was first-report-wins by (run, scope): a forged task's report, staged first,
    shut out the real one. Reports are now bound to the task the daemon sent."""
    run_id, key = str(uuid.uuid4()), "aws:111111111111"
    assert store.stage_scope(run_id, key, "ok", b"forged", task_id="forged-task") is True
    sent = {key: "real-task"}
    assert store.staged_keys(run_id, sent) == set(), "the daemon still waits for its own task"
    assert store.stage_scope(run_id, key, "ok", b"real", task_id="real-task") is True
    assert store.stage_scope(run_id, key, "ok", b"again", task_id="real-task") is False  # redelivered
    assert store.staged_keys(run_id, sent) == {key}
    assert store.staged_scopes(run_id, sent)[key].payload == b"real"
