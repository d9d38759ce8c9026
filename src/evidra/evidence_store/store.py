"""The evidence store: one database, one part per concept.

    with EvidenceStore.open("sqlite:///evidra.db") as store:
        stored = store.chain.record_run(RunRecord(...))
        for result in store.records.results(stored.id): ...   # typed rows
        report = store.chain.verify()

`EvidenceStore` opens the database and composes the parts, each a narrow API over
the same engines returning frozen dataclasses, never tables:

    chain        sealing runs, reading them back, verifying the chain   (chain.py)
    records      one run's results, observations, scope records, errors (run_records.py)
    spans        a range of runs as spans, for reports                  (period_spans.py)
    snapshots    snapshot bodies by hash, checked                       (snapshots.py)
    manual       manual evidence files                                  (manual.py)
    staging      scale-out scopes reported before their run is sealed   (staging.py)
    trust        timestamp tokens and anchors                           (trust_records.py)
    retention    pruning, and the store's own events                    (retention.py)
    pointintime  a resource or the estate as of a time, diffs           (pointintime.py)
    statistics   row counts and sizes                                   (statistics.py)

Its own methods are the older API, kept for scripts and plugins (contracts change only
by adding): each calls one part, and those that returned plain dicts still do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from evidra.evidence_store import migrations
from evidra.evidence_store.chain import Chain, RunRecord, StoredRun, WriteHook
from evidra.evidence_store.database import (
    StoreError,
    create_store_engine,
    display_url,
    parse_url,
    redact_url_text,
    short_error,
)
from evidra.evidence_store.manual import ManualEvidence
from evidra.evidence_store.period_spans import PeriodSpans
from evidra.evidence_store.pointintime import EstateState, PointInTime, ResourceKey, ResourceState
from evidra.evidence_store.records import Row
from evidra.evidence_store.retention import Retention
from evidra.evidence_store.run_records import RunRecords
from evidra.evidence_store.snapshots import Snapshots
from evidra.evidence_store.staging import StagedScope, Staging
from evidra.evidence_store.statistics import Statistics
from evidra.evidence_store.trust_records import TrustRecords
from evidra.evidence_store.verify import Item, VerifyReport

__all__ = ["EvidenceStore", "RunRecord", "StoreError", "StoredRun", "VerifyReport", "WriteHook"]


class EvidenceStore:
    """Runs, content-addressed snapshots and records in SQLite or PostgreSQL."""

    def __init__(self, engine: Engine, url: URL) -> None:
        self._engine = engine
        self._url = url
        self.chain = Chain(engine, url)
        self.records = RunRecords(engine, url)
        self.spans = PeriodSpans(engine, url)
        self.snapshots = Snapshots(engine, url)
        self.manual = ManualEvidence(engine, url)
        self.staging = Staging(engine, url)
        self.trust = TrustRecords(engine, url)
        self.retention = Retention(engine, url)
        self.pointintime = PointInTime(engine, url)
        self.statistics = Statistics(engine, url)

    @classmethod
    def open(cls, url: str) -> EvidenceStore:
        """Connect (a SQLite file's directory must exist: StoreLocationError) and bring the
        schema up to date. Raises StoreError, whose message never holds the password."""
        parsed = parse_url(url)
        try:
            engine = create_store_engine(parsed)
        except ModuleNotFoundError as exc:
            raise StoreError(
                f"cannot open {display_url(parsed)}: the {exc.name} module is missing "
                "(pip install 'evidra[postgres]')"
            ) from None
        try:
            migrations.upgrade(engine)
        except Exception as exc:
            engine.dispose()
            # `from None`: the original exception chain is not ours to vouch for.
            raise StoreError(
                f"cannot open the evidence store {display_url(parsed)}: "
                f"{type(exc).__name__}: {redact_url_text(short_error(exc), parsed)}"
            ) from None
        return cls(engine, parsed)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def url_for_reader(self) -> str | None:
        """The URL another process can open this store with (password and all: hand it
        only to a process of ours), or None for an in-memory database."""
        if self._url.get_backend_name() == "sqlite" and self._url.database in (None, "", ":memory:"):
            return None
        return self._url.render_as_string(hide_password=False)

    def __repr__(self) -> str:
        return f"EvidenceStore({display_url(self._url)!r})"

    @property
    def write_hook(self) -> WriteHook | None:
        """`Chain.write_hook`: called at each stage of `record_run`'s transaction."""
        return self.chain.write_hook

    @write_hook.setter
    def write_hook(self, hook: WriteHook | None) -> None:
        self.chain.write_hook = hook

    # -- the older API: runs and their records ----------------------------------------

    def record_run(self, run: RunRecord) -> StoredRun:
        return self.chain.record_run(run)

    def runs(self) -> list[StoredRun]:
        return self.chain.runs()

    def get_run(self, run_id: str) -> StoredRun | None:
        return self.chain.get_run(run_id)

    def latest_run(self) -> StoredRun | None:
        return self.chain.latest_run()

    def verify(self) -> VerifyReport:
        return self.chain.verify()

    def sealed_records(self, seqs: Iterable[int]) -> Iterator[tuple[StoredRun, list[tuple[str, Row, str]]]]:
        return self.chain.sealed_records(seqs)

    def sealed_changes(
        self, seqs: Iterable[int]
    ) -> Iterator[tuple[StoredRun, list[Item], list[Item], list[Item]]]:
        return self.chain.sealed_changes(seqs)

    def results(self, run_id: str) -> list[dict[str, Any]]:
        """Each shaped like `Result.to_dict()` (`records.results`)."""
        return [row.as_dict() for row in self.records.results(run_id)]

    def observations(self, run_id: str) -> list[dict[str, Any]]:
        """provider, scope, type, id, name, snapshot, provenance (`records.observations`)."""
        return [row.as_dict() for row in self.records.observations(run_id)]

    def scope_records(self, run_id: str) -> list[dict[str, Any]]:
        """provider, scope, started_at, finished_at (aware UTC), error."""
        return [row.as_dict() for row in self.records.scope_records(run_id)]

    def errors(self, run_id: str) -> list[dict[str, Any]]:
        """provider, scope, service, message, types."""
        return [row.as_dict() for row in self.records.errors(run_id)]

    def last_reads(self, provider: str, *, runs: int = 60) -> dict[str, datetime]:
        return self.records.last_reads(provider, runs=runs)

    # -- the older API: snapshots and spans -------------------------------------------

    def snapshot_body(self, key: str) -> bytes:
        return self.snapshots.body(key)

    def snapshot(self, key: str) -> dict[str, Any]:
        return self.snapshots.document(key)

    def snapshot_bodies(self, keys: Iterable[str]) -> dict[str, bytes]:
        return self.snapshots.bodies(keys)

    def result_spans(
        self, first_seq: int, last_seq: int, controls: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        return [span.as_row() for span in self.spans.results(first_seq, last_seq, controls)]

    def observation_spans(self, first_seq: int, last_seq: int, types: Sequence[str]) -> list[dict[str, Any]]:
        return [span.as_row() for span in self.spans.observations(first_seq, last_seq, types)]

    def result_spans_before(
        self, control: str, resource_ids: Sequence[str], before_seq: int
    ) -> list[dict[str, Any]]:
        return [span.as_row() for span in self.spans.results_before(control, resource_ids, before_seq)]

    def scope_records_between(self, first_seq: int, last_seq: int) -> list[dict[str, Any]]:
        return [{"seq": row.seq, **row.as_dict()} for row in self.spans.scope_records(first_seq, last_seq)]

    def scope_errors_between(self, first_seq: int, last_seq: int) -> list[dict[str, Any]]:
        return [{"seq": row.seq, **row.as_dict()} for row in self.spans.scope_errors(first_seq, last_seq)]

    # -- the older API: manual evidence, staging, trust -------------------------------

    def add_manual_evidence(
        self,
        requirement: str,
        file_name: str,
        content: bytes,
        *,
        added_by: str,
        note: str | None = None,
        period: tuple[date, date] | None = None,
        added_at: datetime | None = None,
        evidence_date: date | None = None,
    ) -> dict[str, Any]:
        item = self.manual.add(
            requirement,
            file_name,
            content,
            added_by=added_by,
            note=note,
            period=period,
            added_at=added_at,
            evidence_date=evidence_date,
        )
        return item.as_dict()

    def manual_evidence(self) -> list[dict[str, Any]]:
        return [item.as_dict() for item in self.manual.items()]

    def manual_file(self, key: str) -> bytes:
        return self.manual.file(key)

    def stage_scope(self, run_id: str, key: str, status: str, payload: bytes, task_id: str = "") -> bool:
        return self.staging.stage(run_id, key, status, payload, task_id)

    def staged_keys(self, run_id: str, tasks: Mapping[str, str] | None = None) -> set[str]:
        return self.staging.keys(run_id, tasks)

    def staged_scopes(self, run_id: str, tasks: Mapping[str, str] | None = None) -> dict[str, StagedScope]:
        return self.staging.scopes(run_id, tasks)

    def discard_staged(self, run_id: str, reported_before: datetime | None = None) -> int:
        return self.staging.discard(run_id, reported_before)

    def unstamped_runs(self, limit: int = 100, *, untried: bool = True) -> list[StoredRun]:
        return self.trust.unstamped_runs(limit, untried=untried)

    def record_timestamp(
        self,
        run_id: str,
        *,
        at: datetime,
        token: bytes | None = None,
        tsa: str | None = None,
        gen_time: datetime | None = None,
        error: str | None = None,
    ) -> None:
        self.trust.record_timestamp(run_id, at=at, token=token, tsa=tsa, gen_time=gen_time, error=error)

    def timestamps(self) -> dict[str, dict[str, Any]]:
        """By run id: token, tsa, gen_time, obtained_at, attempts, last_error."""
        return {run_id: row.as_dict() for run_id, row in self.trust.timestamps().items()}

    def unanchored_runs(self, limit: int = 100) -> list[StoredRun]:
        return self.trust.unanchored_runs(limit)

    def record_anchor(self, run_id: str, location: str, at: datetime) -> None:
        self.trust.record_anchor(run_id, location, at)

    # -- the older API: retention, point in time, statistics ---------------------------

    def prune(self, before: datetime, actor: str | None = None) -> dict[str, Any]:
        return self.retention.prune(before, actor)

    def pruned_before(self) -> int | None:
        return self.retention.pruned_before()

    def events(self) -> list[dict[str, Any]]:
        return [event.as_dict() for event in self.retention.events()]

    def state_at(self, at: datetime) -> EstateState:
        return self.pointintime.state_at(at)

    def resource_at(
        self, key: str | ResourceKey, at: datetime, *, type: str | None = None, scope: str | None = None
    ) -> ResourceState | None:
        return self.pointintime.resource_at(key, at, type=type, scope=scope)

    def diff(
        self,
        key: str | ResourceKey,
        before: datetime,
        after: datetime,
        *,
        type: str | None = None,
        scope: str | None = None,
    ) -> dict[str, Any] | None:
        found = self.pointintime.diff(key, before, after, type=type, scope=scope)
        return found.as_dict() if found else None

    def stats(self) -> dict[str, int]:
        return self.statistics.stats().as_dict()
