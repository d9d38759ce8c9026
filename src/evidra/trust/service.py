"""What follows a sealed run: its seal timestamped by a TSA, its chain head anchored.

Neither can lose a run: the run is already stored and committed when they start, and
a TSA or bucket that cannot be reached leaves the run marked (no token, no anchor),
to be tried again after the next run or by `evidra timestamp`. The newest run is
stamped first, so that a backlog never makes it late; older ones get late tokens,
which prove only the later time (verify and the package say so). Runs stored before
timestamping was turned on are left alone unless asked (`evidra timestamp --backlog`):
`verify` lists them as untimestamped rather than as late.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from evidra.model import utcnow

if TYPE_CHECKING:
    from evidra.config.settings import Settings
    from evidra.evidence_store.store import EvidenceStore

log = logging.getLogger("evidra.trust")
BATCH = 500  # runs handled per call; the rest wait for the next


@dataclass
class Secured:
    stamped: list[str] = field(default_factory=list)  # run ids
    anchored: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pending_stamps: int = 0
    pending_anchors: int = 0


def secure_runs(
    store: EvidenceStore,
    settings: Settings,
    now: Callable[[], datetime] = utcnow,
    anchors: Any = None,
    backlog: bool = False,
) -> Secured:
    """Timestamp the newest run and every run whose request failed before (newest
    first), then anchor every run not anchored yet. `backlog`: also timestamp the runs
    stored before timestamping was turned on (their tokens prove only today)."""
    outcome = Secured()
    if settings.timestamping is not None:
        _stamp(store, settings, now, outcome, backlog)
    if settings.anchor is not None:
        _anchor(store, settings, now, outcome, anchors)
    return outcome


def _stamp(
    store: EvidenceStore, settings: Settings, now: Callable[[], datetime], outcome: Secured, backlog: bool
) -> None:
    from evidra.trust import tsa

    config = settings.timestamping
    assert config is not None
    pending = store.trust.unstamped_runs(BATCH, untried=backlog)
    try:
        roots = tsa.load_roots(config.ca_file)
    except tsa.TimestampError as exc:
        outcome.errors.append(str(exc))
        outcome.pending_stamps = len(pending)
        return
    for index, run in enumerate(pending):
        try:
            token = tsa.request(run.digest, config.tsa_urls, roots, config.timeout_seconds)
        except tsa.TimestampError as exc:
            store.trust.record_timestamp(run.id, at=now(), error=str(exc))
            log.warning("run %s is not timestamped yet: %s", run.id, exc)
            outcome.errors.append(f"run {run.id}: {exc}")
            # The TSAs are down: the rest would wait out the same timeouts.
            outcome.pending_stamps = len(pending) - index
            return
        store.trust.record_timestamp(
            run.id, at=now(), token=token.response, tsa=token.tsa, gen_time=token.gen_time
        )
        outcome.stamped.append(run.id)


def _anchor(
    store: EvidenceStore, settings: Settings, now: Callable[[], datetime], outcome: Secured, anchors: Any
) -> None:
    from evidra.trust.anchors import AnchorError, S3Anchors

    config = settings.anchor
    assert config is not None
    pending = store.trust.unanchored_runs(BATCH)
    try:
        writer = anchors or S3Anchors(config.s3)
    except Exception as exc:  # boto3 missing or misconfigured: the run stays stored
        outcome.errors.append(f"anchors: {exc}")
        outcome.pending_anchors = len(pending)
        return
    tokens = store.trust.timestamps() if pending else {}
    for index, run in enumerate(pending):
        try:
            stamp = tokens.get(run.id)
            location = writer.write(run, stamp.token if stamp else None, now())
        except AnchorError as exc:
            log.warning("run %s is not anchored yet: %s", run.id, exc)
            outcome.errors.append(str(exc))
            outcome.pending_anchors = len(pending) - index
            return
        store.trust.record_anchor(run.id, location, now())
        outcome.anchored.append(run.id)
