"""The review period's analysis, read from the evidence store: for every control its
schedule, its whole population, results over time, exception windows, findings and
gaps. Everything is computed from spans (one query for the period's results, one for
its observations), never from one row per run: a year of daily runs costs what its
changes do.

Definitions an auditor can check against the package (DESIGN.md, "evidence package"):

- A run is *in the period* when it started in it (dates are whole UTC days).
- A control *ran* in a run when the run's recorded parameters list it among the
  controls evaluated (runs recorded without that list: when it has a result there).
- *The schedule*: a daily control expects evidence every day of the period (a weekly
  one every ISO week). A day *has evidence* when a run that started on it ran the control
  and read at least one of its scopes; every other day is a *no evidence* gap, with the
  reason (no run, or only failed reads).
- *Resource-days*: each day's last run that ran the control, counted per status. Share
  passing = pass / (pass + fail + excepted); `error` results (a scope that could not be
  read) are "not readable", counted apart, never as passes or failures.
- *The population* is every resource of the control's types observed in the period,
  with whether the control's `where` put it in scope and, when not, why.
- An *event* type (resource_types.EVENT_TYPES) is a fact with a time: its population is
  the events whose time falls in the period (a lifetime event: whose lifetime overlaps
  it), counted once each. A failing point event is a *finding* with its date and delay.
- An *exception window* is a resource's consecutive failing (`fail` or `excepted`)
  results under one control: failing from the first such run (looked up before the
  period when it was already failing then), remediated at the first run after it that
  passes. Runs without a result for it (a gap, or out of scope) do not end it. Its
  *parts* are its stretches of one status: an exception that expires mid-window ends
  its `excepted` part there, and the rest is `fail`.
- Times are when the resource's scope was read in that run (`observed_at`), else the
  run's `finished_at`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from evidra.controls.catalog import Control
from evidra.controls.conditions import Clause, ConditionError, _show, placeholders, value_at
from evidra.controls.requirements import Requirement, requirements
from evidra.cycles import collector_paused
from evidra.evidence_store.period_spans import StoredObservationSpan, StoredResultSpan
from evidra.evidence_store.run_records import StoredScopeError, StoredScopeRecord
from evidra.evidence_store.store import EvidenceStore, StoredRun
from evidra.model import Observation, Status
from evidra.resource_types import EVENT_TYPES

FAILING = (Status.FAIL.value, Status.EXCEPTED.value)
JUDGED = (Status.PASS.value, Status.FAIL.value, Status.EXCEPTED.value)
STATUSES = tuple(status.value for status in Status)
# engine.approval writes an excepted result's reason as "<why it fails>; excepted:
# <reason> (approved by <who>[ on <YYYY-MM-DD>][, ticket <ref>], until <YYYY-MM-DD>)".
_EXCEPTED = re.compile(
    r"; excepted: (?P<reason>.*) \(approved by (?P<approved_by>.*?)"
    r"(?: on (?P<approved_at>\d{4}-\d{2}-\d{2}))?(?:, ticket (?P<ticket>.*?))?"
    r", until (?P<expires>\d{4}-\d{2}-\d{2})\)$"
)
Key = tuple[str, str, str, str]  # provider, scope, type, id


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
        if period.end >= date.max:  # the instant after it would be past year 9999
            raise PeriodError(f"--period: {text!r} ends after the last day a period can have (9999-12-30)")
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

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@dataclass(frozen=True, slots=True)
class ResultSpan:
    """One result holding unchanged in the runs `first_seq`..`last_seq` (cut to the period)."""

    first_seq: int
    last_seq: int
    since_seq: int  # where the span really starts (before the period, possibly)
    status: str
    reason: str
    evidence: str | None
    resource: dict[str, str]
    key: Key = field(repr=False, compare=False)  # the resource's, kept: looked up for every span

    @property
    def runs(self) -> int:
        return self.last_seq - self.first_seq + 1


@dataclass
class WindowPart:
    """A stretch of an exception window with one status (`fail` or `excepted`)."""

    status: str
    from_seq: int
    to_seq: int
    exception: dict[str, str] | None  # approved_by, approved_at, ticket, reason, expires
    from_at: datetime | None = None
    to_at: datetime | None = None


@dataclass
class ExceptionWindow:
    resource: dict[str, str]
    name: str | None
    failing_from: datetime
    failing_from_seq: int
    last_failing_seq: int
    reason: str
    before_period: bool = False  # it was failing already when the period began
    state: str = "open"  # open, remediated, left scope
    remediated_at: datetime | None = None
    remediated_seq: int | None = None
    until: datetime | None = None  # remediated_at, or the last run of the period
    parts: list[WindowPart] = field(default_factory=list)

    @property
    def duration(self) -> timedelta:
        return (self.until or self.failing_from) - self.failing_from

    @property
    def exception(self) -> dict[str, str] | None:
        """The risk acceptance in force at the window's end (None once it expired)."""
        last = self.parts[-1] if self.parts else None
        return last.exception if last and last.status == Status.EXCEPTED.value else None

    def add(self, span: ResultSpan) -> None:
        exception = excepted_by(span.reason) if span.status == Status.EXCEPTED.value else None
        last = self.parts[-1] if self.parts else None
        if last and last.status == span.status and last.exception == exception:
            last.to_seq = span.last_seq
        else:
            self.parts.append(WindowPart(span.status, span.first_seq, span.last_seq, exception))
        self.last_failing_seq = span.last_seq
        self.reason = span.reason


@dataclass
class Finding:
    """A point event that failed its control: when it happened and how late it was handled."""

    resource: dict[str, str]
    name: str | None
    happened_at: datetime | None
    resolved_at: datetime | None
    status: str
    reason: str
    evidence: str | None

    @property
    def delay(self) -> timedelta | None:
        if self.happened_at is None or self.resolved_at is None:
            return None
        return self.resolved_at - self.happened_at


POPULATION_FIELDS = (
    "provider",
    "scope",
    "type",
    "id",
    "name",
    "in_scope",
    "out_of_scope_reason",
    "first_seen",
    "last_seen",
    "runs_seen",
    "runs_judged",
    "last_status",
    "event_at",
    "closed_at",
)
_POPULATION_PLACE = {name: place for place, name in enumerate(POPULATION_FIELDS)}


class PopulationEntry(Mapping[str, Any]):
    """One resource of a control's population, read by name like a dict
    (`entry["in_scope"]`) but held as one tuple in POPULATION_FIELDS' order: a year's
    7 controls x 98,000 resources as dicts took a third of the analysis's memory."""

    __slots__ = ("row",)

    def __init__(self, row: tuple[Any, ...]) -> None:
        self.row = row

    def __getitem__(self, name: str) -> Any:
        return self.row[_POPULATION_PLACE[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(POPULATION_FIELDS)

    def __len__(self) -> int:
        return len(POPULATION_FIELDS)

    def __repr__(self) -> str:
        return f"PopulationEntry({dict(self)!r})"


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
    parameters: list[dict[str, Any]]  # name, value, from_seq, to_seq, template_example
    ran: list[int]  # seqs of the period's runs it ran in
    points: list[RunPoint]
    results: list[ResultSpan]  # not errors
    population: list[PopulationEntry]
    windows: list[ExceptionWindow]
    findings: list[Finding]
    gaps: list[dict[str, Any]]  # runs in which a scope of it could not be read
    schedule: list[dict[str, Any]]  # each expected day (week): runs, evidence, gap reason
    is_event: bool = False
    totals: Counter[str] = field(default_factory=Counter)  # resource-days (events: events)

    @property
    def share_passing(self) -> float | None:
        judged = sum(self.totals[status] for status in JUDGED)
        return self.totals["pass"] / judged if judged else None

    @property
    def in_scope(self) -> list[PopulationEntry]:
        return [entry for entry in self.population if entry["in_scope"] != "no"]

    @property
    def open_windows(self) -> list[ExceptionWindow]:
        return [window for window in self.windows if window.state == "open"]

    @property
    def no_evidence(self) -> list[dict[str, Any]]:
        return [entry for entry in self.schedule if entry["gap"]]


@dataclass
class PeriodReport:
    period: Period
    generated_at: datetime
    runs: list[StoredRun]  # the period's runs, in seq order
    all_runs: dict[int, StoredRun]
    head: StoredRun | None  # the store's newest run when the report was made
    controls: list[ControlPeriod]
    scope_errors: list[StoredScopeError]
    scopes: list[StoredScopeRecord] = field(default_factory=list)  # every scope record of the period's runs
    run_parameters: dict[int, dict[str, Any]] = field(default_factory=dict)  # seq -> recorded parameters
    in_progress: bool = False  # the period ends after the newest stored run
    policy: dict[str, Any] = field(default_factory=dict)  # version, owner, approved_at (config)
    observed: dict[tuple[int, str], datetime] = field(default_factory=dict)  # (seq, scope) -> read at
    criteria: list[Any] = field(default_factory=list)  # coverage.CriterionSummary, set by coverage
    reads: dict[str, list[StoredObservationSpan]] = field(default_factory=dict)  # snapshot -> its reads

    def at(self, seq: int) -> datetime | None:
        run = self.all_runs.get(seq)
        return run.finished_at if run else None

    def observed_at(self, seq: int, scope: str) -> datetime | None:
        """When `scope` was read in run `seq` (the end of its scope record), else the run's end."""
        return self.observed.get((seq, scope)) or self.at(seq)


def is_open(period: Period, head: StoredRun | None) -> bool:
    """A period is still in progress while no run is stored from its last day or later."""
    return head is None or head.started_at.date() < period.end


def analyse(
    store: EvidenceStore,
    period: Period,
    controls: Sequence[Control],
    now: datetime,
    policy: Mapping[str, Any] | None = None,
) -> PeriodReport:
    with collector_paused():  # millions of acyclic spans and rows (evidra.cycles)
        return _analyse(store, period, controls, now, policy)


def _analyse(
    store: EvidenceStore,
    period: Period,
    controls: Sequence[Control],
    now: datetime,
    policy: Mapping[str, Any] | None,
) -> PeriodReport:
    everything = store.chain.runs()
    all_runs = {run.seq: run for run in everything}
    runs = [run for run in everything if period.start_at <= run.started_at < period.end_at]
    head = everything[-1] if everything else None
    report = PeriodReport(
        period=period,
        generated_at=now,
        runs=runs,
        all_runs=all_runs,
        head=head,
        controls=[],
        scope_errors=[],
        in_progress=is_open(period, head),
        policy={key: value for key, value in (policy or {}).items() if value is not None},
    )
    if not runs:
        context = _Context(report, {})
        report.controls = [_control(context, ControlEvidence(control, [], [])) for control in controls]
        return report
    first, last = runs[0].seq, runs[-1].seq
    report.run_parameters = _recorded(store, runs)
    report.scopes = store.spans.scope_records(first, last)
    report.observed = {(row.seq, row.scope): row.finished_at for row in report.scopes}
    report.scope_errors = store.spans.scope_errors(first, last)
    by_control: dict[str, list[StoredResultSpan]] = {}
    for span in store.spans.results(first, last, [control.id for control in controls]):
        by_control.setdefault(span.control, []).append(span)
    types = sorted({name for control in controls for name in control.resource_types})
    observed: dict[str, list[StoredObservationSpan]] = defaultdict(list)
    reads: dict[str, list[StoredObservationSpan]] = defaultdict(list)
    for row in store.spans.observations(first, last, types):
        observed[row.type].append(row)
        reads[row.snapshot_hash].append(row)
    report.reads = reads
    seqs = [run.seq for run in runs]
    parameters = report.run_parameters.get(last, {}).get("parameters", {})
    finished = {seq: run.finished_at for seq, run in all_runs.items()}
    seen = _seen_by_types(store, controls, observed, seqs, period, parameters, finished)
    context = _Context(report, seen)
    earlier = {
        control.id: _earlier_failures(store, control, by_control.get(control.id, []), first)
        for control in controls
    }
    oldest = min((span.first_seq for spans in earlier.values() for span in spans), default=first)
    if oldest < first:  # windows that began before the period show when the resource was read then
        for read in store.spans.scope_records(oldest, first - 1):
            report.observed[(read.seq, read.scope)] = read.finished_at
    ids = [control.id for control in controls]
    for position, control in enumerate(controls):
        evidence = ControlEvidence(control, by_control.get(control.id, []), earlier[control.id])
        report.controls.append(_control(context, evidence))
        if control.id not in ids[position + 1 :]:  # its stored spans are not needed again
            by_control.pop(control.id, None)
    return report


def excepted_by(reason: str) -> dict[str, str] | None:
    """The risk acceptance named in an excepted result's reason (see engine.approval)."""
    match = _EXCEPTED.search(reason)
    if not match:
        return None
    return {name: value for name, value in match.groupdict().items() if value is not None}


def _recorded(store: EvidenceStore, runs: list[StoredRun]) -> dict[int, dict[str, Any]]:
    """Each run's recorded parameters snapshot (few distinct ones: read each once)."""
    documents: dict[str, dict[str, Any]] = {}
    for key in {run.parameters_hash for run in runs}:
        documents[key] = store.snapshots.document(key)
    return {run.seq: documents[run.parameters_hash] for run in runs}


def _earlier_failures(
    store: EvidenceStore, control: Control, spans: list[StoredResultSpan], first: int
) -> list[StoredResultSpan]:
    """The spans before the period of resources failing when it began (their span
    reaching into the period, or starting with it: the data may have changed right
    then), so that their windows start where they started."""
    carried = [span.resource_id for span in spans if span.first_seq <= first and span.status in FAILING]
    return store.spans.results_before(control.id, carried, first) if carried else []


@dataclass(frozen=True)
class ControlEvidence:
    """What the store holds on one control for the period: `_control`'s input."""

    control: Control
    results: list[StoredResultSpan]  # the period's spans of its results, by resource and first run
    earlier: list[StoredResultSpan]  # before the period, of resources failing as it began; newest first


# An event's start, end, whether it is in the period, and when it was resolved.
EventTimes = tuple[datetime | None, datetime | None, bool, datetime | None]


@dataclass
class _Seen:
    """The period's observations of one set of resource types, read once for all the
    controls judging those types (a year of findings under eight controls would
    otherwise be walked, and its snapshots parsed, eight times)."""

    controls: list[Control]  # the controls on these types (one per id), in the order of `reasons`
    keys: list[Key] = field(default_factory=list)  # sorted
    names: dict[Key, str | None] = field(default_factory=dict)  # every resource's, from its last stored row
    # Per resource observed in a run of the period: runs observed, first and last of them,
    # and the newest row (the snapshot that says why a control leaves it out).
    seen: dict[Key, tuple[int, int, int, StoredObservationSpan]] = field(default_factory=dict)
    events: dict[Key, EventTimes] = field(default_factory=dict)  # per event, from its latest snapshot
    # snapshot -> why each of `controls` leaves it out (its `where` evaluated once)
    reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class _Context:
    report: PeriodReport
    seen: dict[tuple[str, ...], _Seen]  # by sorted resource types
    # One key and dict per resource, shared by its spans under every control (not one per span).
    resources: dict[Key, tuple[Key, dict[str, str]]] = field(default_factory=dict)


def _types(control: Control) -> tuple[str, ...]:
    return tuple(sorted(set(control.resource_types)))


def _seen_by_types(
    store: EvidenceStore,
    controls: Sequence[Control],
    observed: Mapping[str, list[StoredObservationSpan]],
    seqs: list[int],
    period: Period,
    parameters: Mapping[str, Any],
    finished: Mapping[int, datetime],
) -> dict[tuple[str, ...], _Seen]:
    """Each set of types' observations, with what their latest snapshots say: event times
    and, for every control on those types, why its `where` leaves the resource out. Each
    snapshot is parsed once, 2,000 at a time, and only those answers are kept."""
    index = {seq: position for position, seq in enumerate(seqs)}
    views: dict[tuple[str, ...], _Seen] = {}
    for control in controls:
        view = views.setdefault(_types(control), _Seen([]))
        if all(each.id != control.id for each in view.controls):
            view.controls.append(control)
    wanted: dict[str, list[tuple[_Seen, bool]]] = defaultdict(list)  # snapshot -> (view, for its reasons)
    latest_events: dict[tuple[str, ...], dict[Key, StoredObservationSpan]] = {}
    # A resource's `where` is judged as the engine judged it: at the end of the run that
    # last saw it (not at the report's build time: "first observed within 90 days" would
    # then depend on the day the package was made).
    judged_at: dict[str, datetime] = {}
    for types, view in views.items():
        by_key: dict[Key, list[StoredObservationSpan]] = {}  # in stored order
        for name in types:
            for row in observed.get(name, ()):
                by_key.setdefault(row.key, []).append(row)
        view.keys = sorted(by_key)
        latest_event = latest_events[types] = {}
        for key, rows in by_key.items():
            view.names[key] = rows[-1].name
            if key[2] in EVENT_TYPES:
                latest_event[key] = max(reversed(rows), key=lambda row: row.last_seq)
            runs, low, high, newest = 0, 0, 0, None
            for row in rows:
                start, end = _cut(row, seqs)
                count = _count(index, start, end)
                if not count:
                    continue  # it only spans runs missing from the period (pruned)
                low, high = (start, end) if newest is None else (min(low, start), max(high, end))
                if newest is None or row.last_seq > newest.last_seq:
                    newest = row
                runs += count
            if newest is not None:
                view.seen[key] = (runs, low, high, newest)
                wanted[newest.snapshot_hash].append((view, True))
                judged_at[newest.snapshot_hash] = finished[newest.last_seq]
        for row in latest_event.values():
            wanted[row.snapshot_hash].append((view, False))
    names = {name for spec in EVENT_TYPES.values() for name in (spec.start, spec.end, spec.resolved) if name}
    times: dict[str, dict[str, Any]] = {}  # snapshot -> its event-time attributes
    reasons = {control.id: _Reasons(control, parameters) for control in controls}
    for snapshot, attributes in _attributes(store, wanted):
        for view, for_reasons in wanted[snapshot]:
            if for_reasons:
                if snapshot not in view.reasons:
                    at = judged_at[snapshot]
                    view.reasons[snapshot] = tuple(
                        reasons[control.id](attributes, at) for control in view.controls
                    )
            else:
                times[snapshot] = {name: attributes.get(name) for name in names}
    for types, view in views.items():
        view.events = {
            key: _event_time(row.type, times[row.snapshot_hash], period)
            for key, row in latest_events[types].items()
        }
    return views


class _Reasons:
    """`out_of_scope_reason` of one control, remembered by the values of the attributes
    its `where` reads when those are known (plain clauses, whose texts name no other
    attribute): a year of findings has 98,000 snapshots but few distinct severities
    and states, so most answers are looked up, not worked out again."""

    def __init__(self, control: Control, parameters: Mapping[str, Any]) -> None:
        self.control, self.parameters = control, parameters
        self.reads: tuple[str, ...] | None = ()
        self.known: dict[tuple[Any, ...], str] = {}
        names: list[str] = []
        for condition in control.where:
            if not isinstance(condition, Clause):
                self.reads = None
                return
            names += condition.attrs()
            if condition.fail:  # its text may name attributes: those are read too
                names += [
                    re.split(r"[.\[!:]", field, maxsplit=1)[0] for field in placeholders(condition.fail)
                ]
        self.reads = tuple(sorted(set(names) - {"limit", "due"}))

    def __call__(self, attributes: Mapping[str, Any], now: datetime) -> str:
        if self.reads is None:
            return out_of_scope_reason(self.control, attributes, self.parameters, now)
        values = [attributes.get(name) for name in self.reads]
        key = (now, *values, *map(type, values))  # typed: 1 and True are shown differently
        try:
            found = self.known.get(key)
        except TypeError:  # a list or mapping value: not remembered
            return out_of_scope_reason(self.control, attributes, self.parameters, now)
        if found is None:
            found = self.known[key] = out_of_scope_reason(self.control, attributes, self.parameters, now)
        return found


def _attributes(store: EvidenceStore, snapshots: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each snapshot's attributes, read 2,000 at a time (one query each), without
    parsing the raw answer that follows them."""
    wanted = sorted(snapshots)
    for start in range(0, len(wanted), 2000):
        for key, body in store.snapshots.bodies(wanted[start : start + 2000]).items():
            yield key, Observation.snapshot_attributes(body)


def _span(
    row: StoredResultSpan, first: int, last: int, resources: dict[Key, tuple[Key, dict[str, str]]]
) -> ResultSpan:
    key = row.key
    shared = resources.get(key)
    if shared is None:
        shared = resources[key] = (key, row.resource)
    return ResultSpan(
        first_seq=max(row.first_seq, first),
        last_seq=min(row.last_seq, last),
        since_seq=row.first_seq,
        status=row.status,
        reason=row.reason,
        evidence=row.evidence,
        resource=shared[1],
        key=shared[0],
    )


def _control(context: _Context, evidence: ControlEvidence) -> ControlPeriod:
    report, control = context.report, evidence.control
    seqs = [run.seq for run in report.runs]
    first, last = (seqs[0], seqs[-1]) if seqs else (0, -1)
    index = {seq: position for position, seq in enumerate(seqs)}
    events = [name for name in control.resource_types if name in EVENT_TYPES]
    is_event = bool(events) and len(events) == len(control.resource_types)
    # Per status, a difference array over the period's runs: +1 where a span starts, -1 after it ends.
    diff = {status: [0] * (len(seqs) + 1) for status in STATUSES}
    results: list[ResultSpan] = []
    errors: list[ResultSpan] = []
    for row in evidence.results:
        span = _span(row, first, last, context.resources)
        start, end = _positions(index, span.first_seq, span.last_seq)
        if start > end:
            continue  # spans only runs missing from the period (pruned)
        diff[span.status][start] += 1
        diff[span.status][end + 1] -= 1
        (errors if span.status == Status.ERROR.value else results).append(span)

    points: list[RunPoint] = []
    running = dict.fromkeys(STATUSES, 0)
    for position, seq in enumerate(seqs):
        for status in STATUSES:
            running[status] += diff[status][position]
        points.append(RunPoint(seq, report.all_runs[seq].finished_at, dict(running)))

    recorded = report.run_parameters
    ran = [
        point.seq
        for point in points
        if (
            control.id in recorded[point.seq]["controls"]
            if isinstance(recorded.get(point.seq, {}).get("controls"), list)
            else any(point.counts.values())
        )
    ]
    seen = context.seen.get(_types(control)) or _Seen([control])
    event_times = seen.events
    if events:  # an event belongs to the period its time falls in
        results = [span for span in results if span.key not in event_times or event_times[span.key][2]]
    population = _population(control, results, seen, report, index)
    windows, findings = _windows_and_findings(
        control, results, evidence.earlier, report, last, seen.names, event_times if is_event else None
    )
    totals = _totals(points, report, ran) if not is_event else _event_totals(results)
    gaps = [
        {
            "seq": seq,
            "at": report.observed_at(seq, span.resource["scope"]),
            **span.resource,
            "reason": span.reason,
        }
        for span in errors
        for seq in seqs[slice(*_slice(index, span))]
    ]
    return ControlPeriod(
        control=control,
        requirements=[requirements()[name] for name in control.requirements],
        parameters=_parameters(control, seqs, recorded),
        ran=ran,
        points=points,
        results=results,
        population=population,
        windows=windows,
        findings=findings,
        gaps=gaps,
        schedule=_schedule(control, report, points, ran, errors),
        is_event=is_event,
        totals=totals,
    )


def _positions(index: dict[int, int], first_seq: int, last_seq: int) -> tuple[int, int]:
    """The positions in the period's runs of the first and last run a span covers
    (seqs missing from the store, pruned, are skipped)."""
    if first_seq in index and last_seq in index:
        return index[first_seq], index[last_seq]
    start = next((index[s] for s in range(first_seq, last_seq + 1) if s in index), None)
    end = next((index[s] for s in range(last_seq, first_seq - 1, -1) if s in index), None)
    if start is None or end is None:
        return 1, 0
    return start, end


def _slice(index: dict[int, int], span: ResultSpan) -> tuple[int, int]:
    start, end = _positions(index, span.first_seq, span.last_seq)
    return start, end + 1


def _totals(points: list[RunPoint], report: PeriodReport, ran: list[int]) -> Counter[str]:
    """Resource-days: the counts of each day's last run that ran the control."""
    ran_set = set(ran)
    last_of_day: dict[date, RunPoint] = {}
    for point in points:
        if point.seq in ran_set:
            last_of_day[report.all_runs[point.seq].started_at.date()] = point
    totals: Counter[str] = Counter()
    for point in last_of_day.values():
        totals.update(point.counts)
    return totals


def _event_totals(results: list[ResultSpan]) -> Counter[str]:
    """Each event once, by its latest result in the period."""
    latest: dict[Key, ResultSpan] = {}
    for span in results:
        if span.key not in latest or span.last_seq >= latest[span.key].last_seq:
            latest[span.key] = span
    return Counter(span.status for span in latest.values())


def _event_time(type_: str, attributes: Mapping[str, Any], period: Period) -> EventTimes:
    """An event's (start, end, in the period, resolved), from its latest snapshot."""
    spec = EVENT_TYPES[type_]
    start = _timestamp(attributes.get(spec.start))
    end = _timestamp(attributes.get(spec.end)) if spec.end else None
    resolved = _timestamp(attributes.get(spec.resolved)) if spec.resolved else None
    if start is None:
        inside = True  # no time to place it by: shown rather than dropped
    elif spec.end is None:
        inside = period.start_at <= start < period.end_at
    else:
        inside = start < period.end_at and (end is None or end >= period.start_at)
    return start, end, inside, resolved


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _population(
    control: Control,
    results: list[ResultSpan],
    seen: _Seen,
    report: PeriodReport,
    index: dict[int, int],
) -> list[PopulationEntry]:
    """Every resource of the control's types observed in the period (events: whose time
    falls in it), in scope or not, and why not."""
    judged: dict[Key, list[ResultSpan]] = defaultdict(list)
    for span in results:
        judged[span.key].append(span)
    keys = seen.keys
    if not judged.keys() <= seen.names.keys():
        keys = sorted(set(keys) | set(judged))
    events, observations, reasons = seen.events, seen.seen, seen.reasons
    column = next(n for n, each in enumerate(seen.controls) if each.id == control.id)
    observed_at = report.observed_at
    population: list[PopulationEntry] = []
    for key in keys:
        when = events.get(key)
        if when is not None and not when[2]:
            continue
        observed = observations.get(key)
        spans = judged.get(key)
        latest: ResultSpan | None = None
        observed_runs, judged_runs, latest_row = 0, 0, None
        if observed is not None:
            observed_runs, first_seq, last_seq, latest_row = observed
        if spans is None:
            if observed is None:
                continue
            in_scope = "no"
        else:
            if len(spans) == 1:  # most resources: one span, no lists to build
                latest = spans[0]
                low, high = latest.first_seq, latest.last_seq
                judged_runs = _count(index, low, high)
            else:
                low = min(span.first_seq for span in spans)
                high = max(span.last_seq for span in spans)
                latest = max(spans, key=lambda span: span.last_seq)
                judged_runs = sum(_count(index, span.first_seq, span.last_seq) for span in spans)
            if observed is None:
                first_seq, last_seq = low, high
            else:
                first_seq, last_seq = min(first_seq, low), max(last_seq, high)
            in_scope = "partly" if judged_runs < observed_runs else "yes"
        reason = ""
        if in_scope != "yes" and latest_row is not None:
            reason = reasons[latest_row.snapshot_hash][column]
        scope = key[1]
        population.append(
            PopulationEntry(
                (
                    key[0],
                    scope,
                    key[2],
                    key[3],
                    latest_row.name if latest_row else None,
                    in_scope,
                    reason,
                    observed_at(first_seq, scope),
                    observed_at(last_seq, scope),
                    observed_runs or judged_runs,
                    judged_runs,
                    latest.status if latest else None,
                    when[0] if when else None,
                    when[1] if when else None,
                )
            )
        )
    return population


def _cut(row: StoredObservationSpan, seqs: list[int]) -> tuple[int, int]:
    if not seqs:
        return 1, 0
    return max(row.first_seq, seqs[0]), min(row.last_seq, seqs[-1])


def _count(index: dict[int, int], first_seq: int, last_seq: int) -> int:
    start, end = index.get(first_seq), index.get(last_seq)
    if start is None or end is None:  # a seq missing from the store (pruned)
        start, end = _positions(index, first_seq, last_seq)
    return max(0, end - start + 1)


def out_of_scope_reason(
    control: Control,
    attributes: Mapping[str, Any],
    parameters: Mapping[str, Any],
    now: datetime | None = None,
) -> str:
    """In words, why the control's `where` leaves a resource out: the first condition
    that does not hold (its `fail` text when the catalog gives one), as of `now` (the
    clock's, unless given)."""
    now = now or datetime.now(UTC)
    for condition in control.where:
        try:
            holds = condition.holds(attributes, parameters, now)
        except ConditionError as exc:
            return str(exc)
        if holds:
            continue
        if condition.fail or not isinstance(condition, Clause):
            return condition.reason(attributes, parameters, now)
        value = value_at(attributes, condition.attr)
        limit = condition.resolve(parameters)
        return (
            f"{condition.attr} is {_show(value)}; the control covers {condition.attr} "
            f"{condition.test.replace('_', ' ')} {_show(limit)}"
        )
    return "judged in other runs only"


def _windows_and_findings(
    control: Control,
    results: list[ResultSpan],
    earlier: list[StoredResultSpan],
    report: PeriodReport,
    last: int,
    names: Mapping[Key, str | None],
    events: Mapping[Key, tuple[datetime | None, datetime | None, bool, datetime | None]] | None,
) -> tuple[list[ExceptionWindow], list[Finding]]:
    by_resource: dict[Key, list[ResultSpan]] = defaultdict(list)
    for span in results:
        by_resource[span.key].append(span)
    before: dict[Key, list[StoredResultSpan]] = defaultdict(list)
    for row in earlier:
        before[row.key].append(row)
    windows: list[ExceptionWindow] = []
    findings: list[Finding] = []
    for key, spans in by_resource.items():
        spans.sort(key=lambda span: span.first_seq)
        if events is not None:
            latest = spans[-1]
            if latest.status in FAILING:
                when = events.get(key, (None, None, True, None))
                findings.append(
                    Finding(
                        latest.resource,
                        names.get(key),
                        when[0],
                        when[3],
                        latest.status,
                        latest.reason,
                        latest.evidence,
                    )
                )
            continue
        windows.extend(_windows(spans, before.get(key, []), report, last, names.get(key)))
    windows.sort(key=lambda window: (window.failing_from, window.resource["id"]))
    findings.sort(key=lambda f: (f.happened_at or datetime.min.replace(tzinfo=UTC), f.resource["id"]))
    return windows, findings


def _true_start(span: ResultSpan, earlier: list[StoredResultSpan]) -> int:
    """The first run of the failure `span` continues: earlier failing spans (newest
    first) count back until one that passed."""
    start = span.since_seq
    for row in earlier:  # newest first
        if row.first_seq >= start:
            continue
        if row.status == Status.PASS.value:
            break
        if row.status in FAILING:
            start = row.first_seq
    return start


def _windows(
    spans: Iterable[ResultSpan],
    earlier: list[StoredResultSpan],
    report: PeriodReport,
    last: int,
    name: str | None,
) -> list[ExceptionWindow]:
    all_runs = report.all_runs
    windows: list[ExceptionWindow] = []
    current: ExceptionWindow | None = None
    for span in spans:
        scope = span.resource["scope"]
        if span.status in FAILING:
            if current is None:
                since = span.since_seq
                if not windows and span.since_seq <= span.first_seq:  # failing as the period began
                    since = _true_start(span, earlier)
                if since not in all_runs:
                    since = span.first_seq
                current = ExceptionWindow(
                    resource=span.resource,
                    name=name,
                    failing_from=report.observed_at(since, scope) or all_runs[since].finished_at,
                    failing_from_seq=since,
                    last_failing_seq=span.last_seq,
                    reason=span.reason,
                    before_period=bool(report.runs) and since < report.runs[0].seq,
                )
                windows.append(current)
            current.add(span)
        elif span.status == Status.PASS.value and current is not None:
            current.state = "remediated"
            current.remediated_seq = span.first_seq
            current.remediated_at = current.until = report.observed_at(span.first_seq, scope)
            current = None
    for window in windows:
        for part in window.parts:
            part.from_at = report.observed_at(part.from_seq, window.resource["scope"])
            part.to_at = report.observed_at(part.to_seq, window.resource["scope"])
    if current is not None:
        current.until = report.observed_at(last, current.resource["scope"])
        if current.last_failing_seq < last:
            current.state = "left scope"
            current.until = report.observed_at(current.last_failing_seq, current.resource["scope"])
    return windows


def _schedule(
    control: Control,
    report: PeriodReport,
    points: list[RunPoint],
    ran: list[int],
    errors: list[ResultSpan],
) -> list[dict[str, Any]]:
    """Each day (week, for a weekly control) of the period up to the newest run: the runs
    that ran the control, and whether any read one of its scopes."""
    period = report.period
    last_day = period.end
    if report.in_progress:
        last_day = min(period.end, max(report.generated_at.date(), period.start))
    days = [day for day in period.days() if day <= last_day]
    weekly = control.frequency == "weekly"
    by_point = {point.seq: point for point in points}
    ran_by_day: dict[date, list[RunPoint]] = defaultdict(list)
    for seq in ran:
        ran_by_day[report.all_runs[seq].started_at.date()].append(by_point[seq])
    failed: dict[int, set[str]] = defaultdict(set)
    for span in errors:
        for seq in range(span.first_seq, span.last_seq + 1):
            failed[seq].add(span.resource["scope"])
    run_days = {run.started_at.date() for run in report.runs}
    buckets: dict[str, list[date]] = {}
    for day in days:
        label = f"{day.isocalendar().year}-W{day.isocalendar().week:02d}" if weekly else day.isoformat()
        buckets.setdefault(label, []).append(day)
    schedule = []
    for label, bucket in buckets.items():
        points_in = [point for day in bucket for point in ran_by_day.get(day, [])]
        read = [point for point in points_in if point.judged or not point.counts["error"]]
        gap = None
        if not points_in:
            gap = "no run of this control" if any(day in run_days for day in bucket) else "no run"
        elif not read:
            scopes = sorted({scope for point in points_in for scope in failed.get(point.seq, ())})
            gap = "only failed reads: " + ", ".join(scopes)
        schedule.append(
            {
                "day": label,
                "runs": len(points_in),
                "evidence": gap is None,
                "gap": gap,
            }
        )
    return schedule


def _parameters(
    control: Control, seqs: list[int], recorded: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The values in force of the control's parameters, as recorded by each run: one
    entry per value and the runs it held in (more than one when it changed). An entry
    whose value is still the policy template's example is flagged `template_example`."""
    known = requirements()
    out: list[dict[str, Any]] = []
    for name in control.parameters():
        requirement, _, parameter = name.rpartition(".")
        spec = known[requirement].parameters.get(parameter) if requirement in known else None
        current: dict[str, Any] | None = None
        for seq in seqs:
            values = recorded.get(seq, {}).get("parameters")
            value = values.get(name) if isinstance(values, dict) else None
            if current is None or current["value"] != value:
                example = bool(spec and spec.template_default and value == spec.value)
                current = {
                    "name": name,
                    "value": value,
                    "from_seq": seq,
                    "to_seq": seq,
                    "template_example": example,
                }
                out.append(current)
            else:
                current["to_seq"] = seq
    return out


def criterion_order(criterion: str) -> tuple[Any, ...]:
    """CC6.1 < CC6.2 < CC6.10: letters, then each number as a number."""
    parts = re.findall(r"\d+|\D+", criterion)
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts)
