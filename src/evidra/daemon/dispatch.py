"""One run on Celery workers (`daemon.executor: celery`): plan the provider's scopes,
send one task per scope, wait until every scope has reported or the run's timeout has
passed, then evaluate the controls over everything, as a local run does.

The run is sealed by the daemon through the usual path (`runner.store`, one
transaction), so it is stored whole or not at all: a scope that never reported is a
`ScopeError` ("timed out") of the sealed run, never a run that is missing a part
without saying so. Staged reports are deleted once read: the outcome in memory is
what gets sealed, and a run that is never sealed leaves nothing behind.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from evidra.collection_codec import decode
from evidra.collectors import base, scopes
from evidra.config.loader import LoadedConfig
from evidra.controls.catalog import Control
from evidra.controls.engine import evaluate
from evidra.daemon.celery_app import TASK
from evidra.evidence_store.staging import StagedScope
from evidra.evidence_store.store import EvidenceStore
from evidra.model import Collection, ScopeError, ScopeRecord, utcnow
from evidra.people.view import people_view
from evidra.redact import redact_text
from evidra.runner import RunOutcome, collect_provider, effective_config, input_files, settings_for

log = logging.getLogger("evidra.daemon")

POLL_SECONDS = 1.0
# Reports older than a run's timeout and this margin belong to no run still waiting.
STALE_MARGIN = timedelta(hours=1)


def run_on_workers(
    config: LoadedConfig,
    controls: list[Control],
    provider: str,
    app: Any,
    stop: threading.Event | None = None,
    poll: float = POLL_SECONDS,
) -> RunOutcome:
    settings = config.settings.daemon
    run_id = str(uuid.uuid4())
    started = utcnow()
    timeout = timedelta(seconds=settings.run_timeout_seconds)
    deadline = started + timeout

    planned = scopes.plan(base.load(provider)(settings_for(config, provider)))
    # Each scope's report must come from the task sent for it: another task's report for
    # the same run and scope (a forged message) is staged apart and never read.
    sent = {task.key: str(uuid.uuid4()) for task in planned.tasks}
    for task in planned.tasks:
        app.send_task(
            TASK,
            task_id=sent[task.key],
            kwargs={
                "run_id": run_id,
                "provider": provider,
                "key": task.key,
                "spec": task.spec,
                "types": list(task.types),
            },
            queue=settings.queue,
            expires=deadline,  # a task that starts after the run was sealed would be wasted
        )
    log.info("scope tasks sent", extra={"provider": provider, "run_id": run_id, "tasks": len(planned.tasks)})

    reports = _reports(config, run_id, sent, deadline, poll, stop)
    collection = Collection()
    collection.extend(planned.collection)
    for task in planned.tasks:
        report = reports.get(task.key)
        if report is not None:
            collection.extend(decode(report.payload))
            continue
        message = (
            f"{task.key}: no worker reported this scope within {settings.run_timeout_seconds}s (timed out)"
        )
        collection.errors.append(ScopeError(provider, task.key, message, None, task.types))
        collection.scopes.append(ScopeRecord(provider, task.key, started, utcnow(), message))
    if config.settings.people is not None and provider != "people":
        collection.extend(collect_provider(config, "people", None))  # the roster is read here, it is small
    finished = utcnow()
    collection = people_view(config, collection, finished)
    log.info(
        "scopes collected on workers",
        extra={"provider": provider, "run_id": run_id, "reported": len(reports), "tasks": len(planned.tasks)},
    )
    return RunOutcome(
        id=run_id,
        started_at=started,
        finished_at=finished,
        providers=[provider],
        controls=controls,
        collection=collection,
        results=evaluate(controls, collection, config.parameters, finished, config.settings.exceptions),
        parameters=config.parameters,
        config=effective_config(config),
        inputs=input_files(config, [provider]),
    )


def _reports(
    config: LoadedConfig,
    run_id: str,
    expected: dict[str, str],
    deadline: datetime,
    poll: float,
    stop: threading.Event | None,
) -> dict[str, StagedScope]:
    """The run's staged reports, once all are in or the deadline has passed, removed
    from staging. While the database is unreachable this keeps trying (until a stop
    is requested, once the deadline has passed)."""
    stale = deadline - timedelta(seconds=config.settings.daemon.run_timeout_seconds) - STALE_MARGIN
    evidence: EvidenceStore | None = None
    try:
        while True:
            try:
                evidence = evidence or EvidenceStore.open(config.settings.database)
                if set(expected) <= evidence.staging.keys(run_id, expected) or utcnow() >= deadline:
                    reports = evidence.staging.scopes(run_id, expected)
                    evidence.staging.discard(run_id, reported_before=stale)
                    return reports
            except Exception as exc:
                if stop is not None and stop.is_set() and utcnow() >= deadline:
                    raise
                log.warning(
                    "cannot read the workers' reports; retrying",
                    extra={"run_id": run_id, "error": redact_text(str(exc))},
                )
            time.sleep(poll)
    finally:
        if evidence is not None:
            evidence.close()
