"""The auditor's population for chg.peer_review: every change merged in the period,
with its evidence, although each later run reads only the merges since the one before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from evidra.controls.catalog import select
from evidra.emulators.github_estate import add_merge
from evidra.emulators.github_server import FakeGitHub
from evidra.evidence_store.store import EvidenceStore
from evidra.reports.period import Period, analyse
from tests.collectors.github.github_support import stored_run


def test_the_period_population_is_every_merged_change(github: FakeGitHub, tmp_path: Path) -> None:
    database, first = stored_run(github, tmp_path)
    payments = github.org.repo("payments")
    assert payments is not None
    add_merge(payments, "acme", 500, datetime.now(UTC), author="bob", approvers=(), merged_by="bob",
              title="PAY-90 Unreviewed", checks={"ci": "success", "lint": "success"})  # fmt: skip
    _, second = stored_run(github, tmp_path)
    _, third = stored_run(github, tmp_path)
    assert (len(first), second) == (6, ["https://github.com/acme/payments/pull/500"])
    assert third == second  # merged within the cursor's overlap: read again, still one event

    today = datetime.now(UTC).date()
    period = Period.parse(f"{today - timedelta(days=60)}..{today}")
    with EvidenceStore.open(database) as evidence:
        report = analyse(evidence, period, select(["change-peer-review"]), datetime.now(UTC))
    (item,) = report.controls
    assert item.is_event
    population = {entry["id"]: entry for entry in item.population}
    assert set(population) == {*first, *second}  # read once each, all seven in the period
    for entry in population.values():
        assert entry["in_scope"] == "yes" and entry["event_at"] is not None
    assert population["https://github.com/acme/payments/pull/500"]["last_status"] == "fail"
    assert population["https://github.com/acme/payments/pull/101"]["last_status"] == "pass"
    # Each change's result carries the evidence it was judged on.
    judged = {span.resource["id"]: span for span in item.results}
    assert set(judged) == set(population)
