"""The period analysis on a history made by the real engine and stored in the real
store (tests/reports/conftest.py describes it): exception windows, gaps, results
over time, population, criteria, coverage, sampling and manual evidence."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters, requirements
from evidra.evidence_store.store import EvidenceStore
from evidra.reports.coverage import AUTOMATED, BOTH, MANUAL, NOT_COVERED, coverage, criteria
from evidra.reports.period import Period, PeriodError, analyse, excepted_by, out_of_scope_reason
from evidra.reports.sampling import Sample
from tests.reports.conftest import BOB, DAY0, DAYS, EXCEPTION, HISTORY_CONTROLS, LEGACY, LOGS, history_run

NOW = datetime(2026, 7, 1, tzinfo=UTC)
H1 = Period.parse("2026-01-01..2026-06-30")


def _day(n: int) -> datetime:
    return DAY0 + timedelta(days=n, minutes=2)  # when the buckets' region was read


def _global(n: int) -> datetime:
    return DAY0 + timedelta(days=n, minutes=1)  # when the account's global scope (IAM) was read


def _control(report, control_id):
    return next(item for item in report.controls if item.control.id == control_id)


def test_a_failure_remediated_across_a_gap_is_one_window(history: EvidenceStore) -> None:
    report = analyse(history, H1, select(HISTORY_CONTROLS), NOW)
    buckets = _control(report, "bucket-encryption")
    logs = [w for w in buckets.windows if w.resource["id"] == LOGS]

    assert len(logs) == 1
    window = logs[0]
    assert (window.failing_from, window.remediated_at, window.state) == (_day(2), _day(4), "remediated")
    assert window.duration == timedelta(days=2)
    assert window.exception is None
    assert window.reason == "no default encryption"


def test_an_excepted_failure_names_approver_reason_and_expiry(history: EvidenceStore) -> None:
    report = analyse(history, H1, select(HISTORY_CONTROLS), NOW)
    legacy = [w for w in _control(report, "bucket-encryption").windows if w.resource["id"] == LEGACY]

    assert len(legacy) == 1
    assert legacy[0].state == "open"
    assert legacy[0].failing_from == _day(0)
    assert legacy[0].exception == {
        "approved_by": "CISO",
        "reason": "legacy archive, migration planned",
        "expires": "2026-12-31",
    }
    assert [(part.status, part.from_seq, part.to_seq) for part in legacy[0].parts] == [("excepted", 1, DAYS)]


def test_a_failure_never_fixed_is_open_until_the_period_ends(history: EvidenceStore) -> None:
    report = analyse(history, H1, select(HISTORY_CONTROLS), NOW)
    mfa = _control(report, "identity-user-mfa")

    assert [(w.resource["id"], w.state, w.until) for w in mfa.windows] == [(BOB, "open", _global(DAYS - 1))]
    assert mfa.share_passing == 0.0


def test_results_over_time_and_the_gap_run(history: EvidenceStore) -> None:
    report = analyse(history, H1, select(HISTORY_CONTROLS), NOW)
    buckets = _control(report, "bucket-encryption")

    shares = [point.share_passing for point in buckets.points]
    assert shares == [0.5, 0.5, 0.0, None, 0.5, 0.5]
    assert [point.counts["error"] for point in buckets.points] == [0, 0, 0, 1, 0, 0]
    assert [(gap["seq"], gap["id"]) for gap in buckets.gaps] == [(4, "aws:123456789012:eu-west-1")]
    assert "Throttling" in buckets.gaps[0]["reason"]
    assert buckets.ran == [1, 2, 3, 4, 5, 6]
    # resource-days: one run a day, so each day's run
    assert dict(+buckets.totals) == {"pass": 4, "fail": 1, "excepted": 5, "error": 1}
    # day 3's run could not read the buckets' region: that day has only failed reads of
    # the control's scope; after the sixth day the history has no run at all
    gaps = [(entry["day"], entry["gap"]) for entry in buckets.no_evidence]
    assert gaps[0] == ("2026-01-04", "only failed reads: aws:123456789012:eu-west-1")
    assert gaps[1:] == [(day.isoformat(), "no run") for day in H1.days()[DAYS:]]
    assert report.in_progress  # H1 ends after the newest run
    assert len(buckets.schedule) == 181  # every day of H1 is expected, not only the days with runs


def test_population_is_every_resource_observed_in_the_period(history: EvidenceStore) -> None:
    report = analyse(history, H1, select(HISTORY_CONTROLS), NOW)
    population = _control(report, "bucket-encryption").population

    assert [(p["id"], p["name"], p["in_scope"], p["runs_judged"], p["last_status"]) for p in population] == [
        (LEGACY, "acme-legacy", "yes", 5, "excepted"),
        (LOGS, "acme-logs", "yes", 5, "pass"),
    ]
    assert population[0]["first_seen"] == _day(0) and population[0]["last_seen"] == _day(5)


def test_a_period_cuts_the_runs_and_keeps_windows_that_began_before_it(history: EvidenceStore) -> None:
    later = Period(date(2026, 1, 4), date(2026, 1, 6))  # runs of days 3..5
    report = analyse(history, later, select(HISTORY_CONTROLS), NOW)

    assert [run.seq for run in report.runs] == [4, 5, 6]
    mfa = _control(report, "identity-user-mfa")
    assert mfa.windows[0].failing_from == _global(0)  # failing since before the period
    assert mfa.windows[0].before_period
    # acme-logs last failed in run 3, before the period: the period itself holds no failure of it
    logs = _control(report, "bucket-encryption").windows
    assert [w.resource["id"] for w in logs] == [LEGACY]


def test_criteria_summary(history: EvidenceStore) -> None:
    report = analyse(history, H1, select(HISTORY_CONTROLS), NOW)
    summaries = criteria(report, coverage(report, history.manual_evidence()))
    by_criterion = {summary.criterion: summary for summary in summaries}

    cc61 = by_criterion["CC6.1"]
    assert sorted(cc61.with_evidence) == sorted(HISTORY_CONTROLS)
    assert cc61.share_passing == pytest.approx(4 / (4 + 1 + 5 + 6))
    assert cc61.totals == {"pass": 4, "fail": 7, "excepted": 5, "error": 1}
    assert (cc61.open_exceptions, cc61.open_excepted) == (2, 1)  # bob, and legacy (excepted)
    # every criterion the policy set maps is listed, with no automated evidence or with some
    mapped = {c for r in requirements().values() for c in r.tsc}
    assert mapped <= set(by_criterion)
    assert any(not s.with_evidence and s.requirements for s in summaries)
    assert len(cc61.covered) < len(cc61.requirements)  # CC6.1 is not "all covered"
    inferred = {r.id for r in requirements().values() if r.tsc_basis == "inferred"}
    assert any(set(s.inferred) & inferred for s in summaries)


def test_parameters_in_force_as_recorded_by_the_runs(history: EvidenceStore) -> None:
    report = analyse(history, H1, select(["password-min-length"]), NOW)
    (item,) = report.controls

    assert item.ran == []  # not evaluated by these runs
    assert item.parameters == [
        {
            "name": "pwd.min_length.min_length_standard",
            "value": default_parameters()["pwd.min_length.min_length_standard"],
            "from_seq": 1,
            "to_seq": DAYS,
            "template_example": False,
        }
    ]


def test_the_excepted_reason_parser_follows_the_engine() -> None:
    """excepted_by reads what engine.evaluate writes; if the engine's wording changes,
    this fails rather than exception windows losing their approver."""
    run = history_run(0)
    (excepted,) = [r for r in run.results if r.status.value == "excepted"]
    assert excepted_by(excepted.reason) == {
        "approved_by": EXCEPTION.approved_by,
        "reason": EXCEPTION.reason,
        "expires": EXCEPTION.expires.isoformat(),
    }
    assert excepted_by("no default encryption") is None
    # the same through a fresh evaluation, not the fixture's
    results = list(
        evaluate(select(["bucket-encryption"]), run.collection, default_parameters(), NOW, [EXCEPTION])
    )
    assert any(excepted_by(r.reason) for r in results)


@pytest.mark.parametrize("text", ["2026-01-01", "2026-13-01..2026-06-30", "2026-06-30..2026-01-01", ".."])
def test_a_bad_period_is_refused_with_the_option_named(text: str) -> None:
    with pytest.raises(PeriodError, match="--period"):
        Period.parse(text)


def test_coverage_lists_every_requirement(history: EvidenceStore) -> None:
    history.add_manual_evidence(
        "vuln.pentest_annual",
        "pentest-2026.pdf",
        b"%PDF pentest",
        added_by="alice",
        period=(H1.start, H1.end),
    )
    history.add_manual_evidence(
        "mfa.all_workforce", "review.pdf", b"signed review", added_by="bob", added_at=NOW
    )
    history.add_manual_evidence(  # another period: does not count
        "bcp.dr_test_annual" if "bcp.dr_test_annual" in requirements() else "vuln.pentest_annual",
        "old.pdf",
        b"old",
        added_by="alice",
        period=(date(2025, 1, 1), date(2025, 6, 30)),
    )
    report = analyse(history, H1, select(HISTORY_CONTROLS), NOW)
    rows = coverage(report, history.manual_evidence())
    by_id = {row.requirement.id: row for row in rows}

    assert len(rows) == len(requirements()) == 132
    assert by_id["enc.at_rest"].status == AUTOMATED
    assert by_id["enc.at_rest"].controls == ["bucket-encryption"]
    assert by_id["vuln.pentest_annual"].status == MANUAL
    assert [e["file_name"] for e in by_id["vuln.pentest_annual"].manual] == ["pentest-2026.pdf"]
    # added on 2026-07-01 without a period: it counts for the period it was added in, not H1
    assert by_id["mfa.all_workforce"].status == AUTOMATED
    assert by_id["pwd.min_length"].status == NOT_COVERED
    july = analyse(history, Period.parse("2026-07-01..2026-07-31"), select(HISTORY_CONTROLS), NOW)
    assert {r.requirement.id: r for r in coverage(july, history.manual_evidence())}[
        "mfa.all_workforce"
    ].status == MANUAL
    assert BOTH == "automated+manual"


def test_manual_evidence_is_content_addressed_and_checked(history: EvidenceStore) -> None:
    first = history.add_manual_evidence("vuln.pentest_annual", "a.pdf", b"same bytes", added_by="alice")
    second = history.add_manual_evidence("vuln.pentest_annual", "b.pdf", b"same bytes", added_by="bob")

    assert first["file"] == second["file"]
    assert history.manual_file(first["file"]) == b"same bytes"
    assert [(e["file_name"], e["added_by"]) for e in history.manual_evidence()] == [
        ("a.pdf", "alice"),
        ("b.pdf", "bob"),
    ]
    with pytest.raises(KeyError):
        history.manual_file("sha256:" + "0" * 64)


def test_samples_are_reproducible_and_within_the_runs() -> None:
    runs = list(range(1, 366))
    sample = Sample(size=25, seed=2026)

    first = sample.runs("bucket-encryption", runs)
    assert first == Sample(size=25, seed=2026).runs("bucket-encryption", runs)
    assert len(first) == 25 and len(set(first)) == 25 and set(first) <= set(runs) and first == sorted(first)
    assert first != Sample(size=25, seed=2027).runs("bucket-encryption", runs)
    assert first != sample.runs("identity-user-mfa", runs)  # each control its own draw
    assert Sample(size=10, seed=1).runs("x", [3, 4]) == [3, 4]


def test_out_of_scope_reasons_are_in_words() -> None:
    (mfa,) = select(["identity-user-mfa"])
    (ec,) = select(["certificate-ec-key-strength"])
    parameters = default_parameters()

    assert out_of_scope_reason(mfa, {"kind": "service"}, parameters) == "service identity"
    human = {"kind": "human", "console_access": False}
    assert out_of_scope_reason(mfa, human, parameters) == "no console password"
    # a clause without words of its own is put in words from the clause
    assert (
        out_of_scope_reason(ec, {"key_family": "RSA"}, parameters)
        == "key_family is RSA; the control covers key_family equals EC"
    )


def test_remembered_out_of_scope_reasons_are_the_ones_worked_out() -> None:
    """The analysis remembers a control's reason by the attributes its `where` reads:
    values that compare equal but show differently (1, True), and attributes named
    only in a clause's words, must still give their own reason."""
    from evidra.controls.catalog import parse_control
    from evidra.reports.period import _Reasons

    (dismissed,) = select(["vuln-dismissal-justified"])
    worded = parse_control(
        {
            "id": "vuln-worded",
            "title": "worded",
            "requirements": ["vuln.exceptions"],
            "resource_types": ["vuln.finding"],
            "where": [{"attr": "suppressed", "equals": True, "fail": "kept by {dismissed_by}"}],
            "check": [{"attr": "suppression_reason", "is_set": True}],
        },
        "test",
    )
    parameters = default_parameters()
    at = datetime(2026, 6, 1, tzinfo=UTC)
    cases = [
        {"suppressed": False, "dismissed_by": "ann"},
        {"suppressed": 0, "dismissed_by": "ann"},
        {"suppressed": False, "dismissed_by": "bob"},
        {"suppressed": None},
        {"suppressed": [False], "dismissed_by": ["ann"]},  # not hashable: worked out each time
        {"suppressed": False, "dismissed_by": "ann"},
    ]
    for control in (dismissed, worded):
        remembered = _Reasons(control, parameters)
        got = [remembered(attributes, at) for attributes in cases]
        assert got == [out_of_scope_reason(control, attributes, parameters, at) for attributes in cases]
    assert got[0] == "kept by ann" and got[2] == "kept by bob"
    assert len(set(got)) > 1


def test_the_workbook_stretches_join_alike_days_and_runs() -> None:
    from types import SimpleNamespace
    from typing import cast

    from evidra.reports import tables
    from evidra.reports.period import ControlPeriod, RunPoint

    day = [f"2026-01-0{n}" for n in range(1, 7)]
    gaps = [None, "no run", "no run", None, "no run", "only failed reads: aws:1"]
    zero = {"pass": 0, "fail": 0, "excepted": 0, "error": 0}
    counts = [zero, zero, {**zero, "pass": 2}, {**zero, "pass": 2}, zero]
    at = datetime(2026, 1, 1, tzinfo=UTC)
    item = cast(
        ControlPeriod,
        SimpleNamespace(
            schedule=[{"day": d, "evidence": not g, "gap": g} for d, g in zip(day, gaps, strict=True)],
            points=[RunPoint(seq, at, c) for seq, c in enumerate(counts, start=1)],
        ),
    )
    assert tables.no_evidence_stretches(item) == [
        {"from": day[1], "to": day[2], "count": 2, "gap": "no run"},
        {"from": day[4], "to": day[4], "count": 1, "gap": "no run"},
        {"from": day[5], "to": day[5], "count": 1, "gap": "only failed reads: aws:1"},
    ]
    assert [(r["from_run"], r["to_run"], r["runs"], r["pass"]) for r in tables.run_stretches(item)] == [
        (1, 2, 2, 0),
        (3, 4, 2, 2),
        (5, 5, 1, 0),
    ]


def test_why_a_resource_left_a_control_is_judged_at_the_run_that_last_saw_it(tmp_path) -> None:
    """`vuln-triage-deadline` covers findings first observed within 90 days. A finding
    judged in January 2031 and 104 days old by its March run is "partly" in scope, and
    the reason is the March run's, whenever the package is made (not the build clock's:
    in 2026 that date is in the future and the condition would hold)."""
    from evidra.evidence_store.store import RunRecord
    from evidra.model import ApiCall, Collection, Observation, ScopeRecord

    control = select(["vuln-triage-deadline"])
    with EvidenceStore.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        for at in (datetime(2031, 1, 10, 3, tzinfo=UTC), datetime(2031, 3, 15, 3, tzinfo=UTC)):
            finding = Observation(
                provider="github",
                scope="github:acme",
                type="vuln.finding",
                id="https://github.com/acme/shop/security/dependabot/1",
                attributes={
                    "source": "dependabot",
                    "severity": "high",
                    "state": "open",
                    "first_observed": "2030-12-01T00:00:00Z",
                    "triaged_at": "2030-12-01T05:00:00Z",
                },
                raw={"alert": 1},
                calls=[ApiCall("dependabot", "GET /orgs/acme/dependabot/alerts", {})],
                principal="evidra-app",
                observed_at=at,
                name="1",
            )
            collection = Collection(
                observations=[finding], scopes=[ScopeRecord("github", "github:acme", at, at)]
            )
            parameters = default_parameters()
            store.record_run(
                RunRecord(
                    str(uuid.uuid4()),
                    at,
                    at,
                    "test",
                    {"parameters": parameters, "controls": ["vuln-triage-deadline"]},
                    collection,
                    evaluate(control, collection, parameters, at, []),
                )
            )
        report = analyse(
            store, Period.parse("2031-01-01..2031-03-31"), control, now=datetime(2031, 4, 2, tzinfo=UTC)
        )
    (row,) = report.controls[0].population
    seen = (row["in_scope"], row["first_seen"].date(), row["last_seen"].date())
    assert seen == ("partly", date(2031, 1, 10), date(2031, 3, 15))
    assert "first_observed" in row["out_of_scope_reason"], row["out_of_scope_reason"]
