"""The review period's analysis, read from the evidence store: for every control its
population, results over time, exception windows and gaps, and a summary per SOC 2
criterion. Everything is computed from result spans (one query for the whole
period), never from one row per run: a year of daily runs costs what its changes do.

Definitions an auditor can check against the package:

- A run is *in the period* when it started in it (dates are whole UTC days).
- A control *ran* in a run when the run's recorded parameters list it among the
  controls evaluated (runs recorded without that list: when it has a result there).
- *Share passing* of a run: pass / (pass + fail + excepted). `error` results (a scope
  that could not be read) are gaps, counted apart, never as passes or failures.
- An *exception window* is a resource's consecutive failing (`fail` or `excepted`)
  results under one control: failing from the first such run, remediated at the first
  run after it that passes. Runs in between where the resource has no result (a gap, or
  the resource out of scope) do not end it. A window still failing in the period's last
  run is `open`; one whose resource was last seen failing before the last run is
  `left scope` (deleted, or not read since). A window is found from the period's own
  results: one that began before the period shows its true start; a failure whose last
  failing result precedes the period is not in the period.
- Times are the runs' `finished_at`: a verdict holds as of the moment its run sealed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from typing import Any

from evidra.controls.catalog import Control
from evidra.controls.requirements import Requirement, requirements
from evidra.evidence_store.store import EvidenceStore, StoredRun
from evidra.model import Status

FAILING = (Status.FAIL.value, Status.EXCEPTED.value)
STATUSES = tuple(status.value for status in Status)
# engine.evaluate writes an excepted result's reason as
# "<why it fails>; excepted: <reason> (approved by <who>, until <YYYY-MM-DD>)".
_EXCEPTED = re.compile(
    r"; excepted: (?P<reason>.*) \(approved by (?P<approved_by>.*), until (?P<expires>\d{4}-\d{2}-\d{2})\)$"
)


class PeriodError(ValueError):
    """A period or selection the user must fix."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2026-01-01..2026-06-30` (both days included, UTC)."""
        first, sep, last = text.partition("..")
        try:
            if not sep:
                raise ValueError
            period = cls(date.fromisoformat(first.strip()), date.fromisoformat(last.strip()))
        except ValueError:
            raise PeriodError(f"--period: {text!r} is not START..END, like 2026-01-01..2026-06-30") from None
        if period.end < period.start:
            raise PeriodError(f"--period: {text!r} ends before it starts")
        return period

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=UTC)

    def overlaps(self, start: date, end: date) -> bool:
        return start <= self.end and self.start <= end

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@dataclass(frozen=True)
class ResultSpan:
    """One result holding unchanged in the runs `first_seq`..`last_seq` (cut to the period)."""

    first_seq: int
    last_seq: int
    since_seq: int  # where the span really starts (before the period, possibly)
    status: str
    reason: str
    evidence: str | None
    resource: dict[str, str]

    @property
    def runs(self) -> int:
        return self.last_seq - self.first_seq + 1


@dataclass
class ExceptionWindow:
    resource: dict[str, str]
    failing_from: datetime
    failing_from_seq: int
    last_failing_seq: int
    reason: str
    state: str = "open"  # open, remediated, left scope
    remediated_at: datetime | None = None
    remediated_seq: int | None = None
    until: datetime | None = None  # remediated_at, or the last run of the period
    exception: dict[str, str] | None = None  # approved_by, reason, expires (the latest)

    @property
    def duration(self) -> timedelta:
        return (self.until or self.failing_from) - self.failing_from


@dataclass(frozen=True)
class RunPoint:
    """One run's results of one control."""

    seq: int
    at: datetime
    counts: dict[str, int]

    @property
    def judged(self) -> int:
        return self.counts["pass"] + self.counts["fail"] + self.counts["excepted"]

    @property
    def share_passing(self) -> float | None:
        return self.counts["pass"] / self.judged if self.judged else None


@dataclass
class ControlPeriod:
    control: Control
    requirements: list[Requirement]
    parameters: list[dict[str, Any]]  # name, value, from_seq, to_seq (values in force)
    ran: list[int]  # seqs of the period's runs it ran in
    points: list[RunPoint]
    results: list[ResultSpan]  # not errors
    population: list[dict[str, Any]]
    windows: list[ExceptionWindow]
    gaps: list[dict[str, Any]]
    totals: Counter[str] = field(default_factory=Counter)

    @property
    def effectiveness(self) -> float | None:
        judged = self.totals["pass"] + self.totals["fail"] + self.totals["excepted"]
        return self.totals["pass"] / judged if judged else None

    @property
    def open_windows(self) -> list[ExceptionWindow]:
        return [window for window in self.windows if window.state == "open"]


@dataclass(frozen=True)
class CriterionSummary:
    criterion: str
    controls: list[str]
    with_evidence: list[str]  # controls that produced results in the period
    effectiveness: float | None
    open_exceptions: int
    open_excepted: int  # of which risk-accepted


@dataclass
class PeriodReport:
    period: Period
    generated_at: datetime
    runs: list[StoredRun]  # the period's runs, in seq order
    all_runs: dict[int, StoredRun]
    head: StoredRun | None  # the store's newest run when the report was made
    controls: list[ControlPeriod]
    criteria: list[CriterionSummary]
    scope_errors: list[dict[str, Any]]

    def at(self, seq: int) -> datetime | None:
        run = self.all_runs.get(seq)
        return run.finished_at if run else None


def analyse(store: EvidenceStore, period: Period, controls: Sequence[Control], now: datetime) -> PeriodReport:
    everything = store.runs()
    all_runs = {run.seq: run for run in everything}
    runs = [run for run in everything if period.start_at <= run.started_at < period.end_at]
    analysed: list[ControlPeriod] = []
    errors: list[dict[str, Any]] = []
    if runs:
        first, last = runs[0].seq, runs[-1].seq
        seqs = [run.seq for run in runs]
        evaluated = _controls_per_run(store, runs)
        spans = store.result_spans(first, last, [control.id for control in controls])
        by_control = {key: list(group) for key, group in groupby(spans, key=lambda row: row["control"])}
        for control in controls:
            analysed.append(_control(control, by_control.get(control.id, []), seqs, all_runs, evaluated))
        errors = store.scope_errors_between(first, last)
    else:
        analysed = [_control(control, [], [], all_runs, {}) for control in controls]
    return PeriodReport(
        period=period,
        generated_at=now,
        runs=runs,
        all_runs=all_runs,
        head=everything[-1] if everything else None,
        controls=analysed,
        criteria=_criteria(analysed),
        scope_errors=errors,
    )


def excepted_by(reason: str) -> dict[str, str] | None:
    """The risk acceptance named in an excepted result's reason (see engine.evaluate)."""
    match = _EXCEPTED.search(reason)
    return match.groupdict() if match else None


def _controls_per_run(store: EvidenceStore, runs: list[StoredRun]) -> dict[int, dict[str, Any]]:
    """Each run's recorded parameters snapshot (few distinct ones: read each once)."""
    documents: dict[str, dict[str, Any]] = {}
    for key in {run.parameters_hash for run in runs}:
        documents[key] = store.snapshot(key)
    return {run.seq: documents[run.parameters_hash] for run in runs}


def _control(
    control: Control,
    rows: list[dict[str, Any]],
    seqs: list[int],
    all_runs: dict[int, StoredRun],
    recorded: dict[int, dict[str, Any]],
) -> ControlPeriod:
    first, last = (seqs[0], seqs[-1]) if seqs else (0, -1)
    known = requirements()
    index = {seq: position for position, seq in enumerate(seqs)}
    # Per status, a difference array over the period's runs: +1 where a span starts, -1 after it ends.
    diff = {status: [0] * (len(seqs) + 1) for status in STATUSES}
    results: list[ResultSpan] = []
    errors: list[ResultSpan] = []
    totals: Counter[str] = Counter()
    for row in rows:
        span = ResultSpan(
            first_seq=max(row["first_seq"], first),
            last_seq=min(row["last_seq"], last),
            since_seq=row["first_seq"],
            status=row["status"],
            reason=row["reason"],
            evidence=row["evidence"],
            resource={
                "provider": row["provider"],
                "scope": row["scope"],
                "type": row["resource_type"],
                "id": row["resource_id"],
            },
        )
        start, end = _positions(index, span.first_seq, span.last_seq)
        if start > end:
            continue  # spans only runs missing from the period (pruned)
        diff[span.status][start] += 1
        diff[span.status][end + 1] -= 1
        totals[span.status] += end - start + 1
        (errors if span.status == Status.ERROR.value else results).append(span)

    points: list[RunPoint] = []
    running = dict.fromkeys(STATUSES, 0)
    for position, seq in enumerate(seqs):
        for status in STATUSES:
            running[status] += diff[status][position]
        points.append(RunPoint(seq, all_runs[seq].finished_at, dict(running)))

    ran = [
        point.seq
        for point in points
        if (
            control.id in recorded[point.seq]["controls"]
            if isinstance(recorded.get(point.seq, {}).get("controls"), list)
            else any(point.counts.values())
        )
    ]
    population, windows = _resources(results, all_runs, last)
    return ControlPeriod(
        control=control,
        requirements=[known[name] for name in control.requirements],
        parameters=_parameters(control, seqs, recorded),
        ran=ran,
        points=points,
        results=results,
        population=population,
        windows=windows,
        gaps=[
            {"seq": seq, "at": all_runs[seq].finished_at, **span.resource, "reason": span.reason}
            for span in errors
            for seq in seqs[slice(*_slice(index, span))]
        ],
        totals=totals,
    )


def _positions(index: dict[int, int], first_seq: int, last_seq: int) -> tuple[int, int]:
    """The positions in the period's runs of the first and last run a span covers
    (seqs missing from the store, pruned, are skipped)."""
    start = next((index[s] for s in range(first_seq, last_seq + 1) if s in index), None)
    end = next((index[s] for s in range(last_seq, first_seq - 1, -1) if s in index), None)
    if start is None or end is None:
        return 1, 0
    return start, end


def _slice(index: dict[int, int], span: ResultSpan) -> tuple[int, int]:
    start, end = _positions(index, span.first_seq, span.last_seq)
    return start, end + 1


def _resources(
    results: list[ResultSpan], all_runs: dict[int, StoredRun], last: int
) -> tuple[list[dict[str, Any]], list[ExceptionWindow]]:
    """The population (every resource judged in the period) and its exception windows."""
    by_resource: dict[tuple[str, ...], list[ResultSpan]] = defaultdict(list)
    for span in results:
        by_resource[tuple(span.resource.values())].append(span)
    population: list[dict[str, Any]] = []
    windows: list[ExceptionWindow] = []
    for spans in by_resource.values():
        spans.sort(key=lambda span: span.first_seq)
        latest = max(spans, key=lambda span: span.last_seq)
        population.append(
            {
                **spans[0].resource,
                "first_seen": all_runs[spans[0].first_seq].finished_at,
                "last_seen": all_runs[latest.last_seq].finished_at,
                "runs": sum(span.runs for span in spans),
                "last_status": latest.status,
            }
        )
        windows.extend(_windows(spans, all_runs, last))
    population.sort(key=lambda item: (item["provider"], item["scope"], item["type"], item["id"]))
    windows.sort(key=lambda window: (window.failing_from, window.resource["id"]))
    return population, windows


def _windows(spans: Iterable[ResultSpan], all_runs: dict[int, StoredRun], last: int) -> list[ExceptionWindow]:
    windows: list[ExceptionWindow] = []
    current: ExceptionWindow | None = None
    for span in spans:
        if span.status in FAILING:
            if current is None:
                since = span.since_seq if span.since_seq in all_runs else span.first_seq
                current = ExceptionWindow(
                    resource=span.resource,
                    failing_from=all_runs[since].finished_at,
                    failing_from_seq=since,
                    last_failing_seq=span.last_seq,
                    reason=span.reason,
                )
                windows.append(current)
            current.last_failing_seq = span.last_seq
            current.reason = span.reason
            if span.status == Status.EXCEPTED.value:
                current.exception = excepted_by(span.reason)
        elif span.status == Status.PASS.value and current is not None:
            current.state = "remediated"
            current.remediated_seq = span.first_seq
            current.remediated_at = current.until = all_runs[span.first_seq].finished_at
            current = None
    if current is not None:
        current.until = all_runs[last].finished_at if last in all_runs else None
        if current.last_failing_seq < last:
            current.state = "left scope"
            current.until = all_runs[current.last_failing_seq].finished_at
    return windows


def _parameters(
    control: Control, seqs: list[int], recorded: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The values in force of the control's parameters, as recorded by each run: one
    entry per value and the runs it held in (more than one when it changed)."""
    out: list[dict[str, Any]] = []
    for name in control.parameters():
        current: dict[str, Any] | None = None
        for seq in seqs:
            values = recorded.get(seq, {}).get("parameters")
            value = values.get(name) if isinstance(values, dict) else None
            if current is None or current["value"] != value:
                current = {"name": name, "value": value, "from_seq": seq, "to_seq": seq}
                out.append(current)
            else:
                current["to_seq"] = seq
    return out


def _criteria(controls: list[ControlPeriod]) -> list[CriterionSummary]:
    by_criterion: dict[str, list[ControlPeriod]] = defaultdict(list)
    for item in controls:
        for criterion in item.control.tsc:
            by_criterion[criterion].append(item)
    summaries = []
    for criterion in sorted(by_criterion, key=_criterion_order):
        items = by_criterion[criterion]
        totals: Counter[str] = Counter()
        for item in items:
            totals.update(item.totals)
        judged = totals["pass"] + totals["fail"] + totals["excepted"]
        open_windows = [window for item in items for window in item.open_windows]
        summaries.append(
            CriterionSummary(
                criterion=criterion,
                controls=[item.control.id for item in items],
                with_evidence=[item.control.id for item in items if item.ran and item.results],
                effectiveness=totals["pass"] / judged if judged else None,
                open_exceptions=len(open_windows),
                open_excepted=sum(1 for window in open_windows if window.exception),
            )
        )
    return summaries


def _criterion_order(criterion: str) -> tuple[Any, ...]:
    """CC6.1 < CC6.2 < CC6.10: letters, then each number as a number."""
    parts = re.findall(r"\d+|\D+", criterion)
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts)
