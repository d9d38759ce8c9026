"""`evidra worker`: a Celery worker that collects one scope per task and stages the
scope's output in the evidence database for the daemon to seal.

A task is idempotent: a scope already reported for its run is not collected again,
and staging is insert-or-ignore, so a task redelivered after its worker was killed
never duplicates evidence. The worker reads its providers' settings, credentials and
database from its own config, as the daemon does; nothing secret is in a task.
"""

from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict
from typing import Any

from evidra.collection_codec import encode
from evidra.collectors import base, scopes
from evidra.collectors.scopes import ScopeTask
from evidra.config.loader import LoadedConfig
from evidra.daemon.celery_app import TASK, make_app
from evidra.evidence_store.database import display_url, parse_url
from evidra.evidence_store.store import EvidenceStore, StoreError
from evidra.model import Collection, ScopeError, ScopeRecord, utcnow
from evidra.redact import redact_text
from evidra.runner import providers_to_run, resume_from_store, settings_for

log = logging.getLogger("evidra.worker")

STORE_RETRY_MAX_DELAY = 60  # seconds between attempts to stage while the database is away

# The config the tasks run with: set before the pool's processes are forked.
_config: LoadedConfig | None = None


# Each run's plan as this worker makes it, for the last few runs (planning reads the
# provider, e.g. AWS's account list: once per run and worker process, not per task).
_PLANS_KEPT = 16
_plans: OrderedDict[tuple[str, str], frozenset[str]] = OrderedDict()


def _task_fingerprint(task: ScopeTask) -> str:
    return json.dumps([task.key, task.spec, sorted(task.types)], sort_keys=True, default=str)


def planned(config: LoadedConfig, run_id: str, provider: str, task: ScopeTask) -> bool:
    """Whether this worker's own configuration plans `task` (its scope, what to read
    there, e.g. the role ARN, and its types) for `provider`. The broker is a trust
    boundary: a message naming another account, role or provider is not obeyed."""
    if provider not in providers_to_run(config, []):
        return False
    if (run_id, provider) not in _plans:
        collector = base.load(provider)(settings_for(config, provider))
        _plans[(run_id, provider)] = frozenset(_task_fingerprint(t) for t in scopes.plan(collector).tasks)
        while len(_plans) > _PLANS_KEPT:
            _plans.popitem(last=False)
    return _task_fingerprint(task) in _plans[(run_id, provider)]


def report(config: LoadedConfig, run_id: str, provider: str, task: ScopeTask, task_id: str = "") -> bool:
    """Collect one scope and stage it; False when it had been reported already, or when
    this worker's configuration does not plan it (the task is logged and dropped)."""
    url = config.settings.database
    try:
        accepted = planned(config, run_id, provider, task)
    except Exception as exc:  # planning failed (the provider unreachable): nothing to compare
        log.warning(
            "task dropped: this worker could not plan the provider",
            extra={
                "run_id": run_id,
                "provider": provider,
                "error": redact_text(f"{type(exc).__name__}: {exc}"),
            },
        )
        return False
    if not accepted:
        log.warning(
            "task dropped: its scope is not one this worker's configuration plans",
            extra={"run_id": run_id, "provider": provider, "scope": task.key},
        )
        return False
    with EvidenceStore.open(url) as evidence:
        if task.key in evidence.staging.keys(run_id, {task.key: task_id}):
            log.info("scope already reported", extra={"run_id": run_id, "scope": task.key})
            return False
    started = utcnow()
    collection = collect(config, provider, task)
    with EvidenceStore.open(url) as evidence:
        fresh = evidence.staging.stage(
            run_id, task.key, "error" if collection.errors else "ok", encode(collection), task_id
        )
    log.info(
        "scope reported" if fresh else "scope already reported",
        extra={
            "run_id": run_id,
            "scope": task.key,
            "resources": len(collection.observations),
            "scope_errors": len(collection.errors),
            "seconds": round((utcnow() - started).total_seconds(), 3),
        },
    )
    return fresh


def collect(config: LoadedConfig, provider: str, task: ScopeTask) -> Collection:
    """The scope's collection. A collector that raises (a config error on this worker,
    a bug) gives an error for the whole scope, so the run need not wait for its timeout."""
    started = utcnow()
    try:
        collector = base.load(provider)(settings_for(config, provider))
        resume_from_store(collector, config.settings.database)
        return scopes.collect(collector, task)
    except Exception as exc:
        log.exception("scope could not be collected", extra={"scope": task.key})
        message = redact_text(f"{task.key}: the worker could not collect it: {type(exc).__name__}: {exc}")
        return Collection(
            errors=[ScopeError(provider, task.key, message, None, task.types)],
            scopes=[ScopeRecord(provider, task.key, started, utcnow(), message)],
        )


def _register(app: Any) -> None:
    # Store errors (the database away for a while) are retried with backoff until the
    # run's deadline, which the task carries as its expiry; anything else is staged as
    # an error by `collect`.
    @app.task(
        bind=True,  # its id: the report is staged under the task the daemon sent
        name=TASK,
        autoretry_for=(StoreError,),
        retry_backoff=True,
        retry_backoff_max=STORE_RETRY_MAX_DELAY,
        max_retries=None,
    )
    def collect_scope(
        self: Any, run_id: str, provider: str, key: str, spec: dict[str, Any], types: list[str]
    ) -> None:
        assert _config is not None, "the worker's config is set before tasks run"
        report(_config, run_id, provider, ScopeTask(key, spec, tuple(types)), str(self.request.id))


def run_worker(config: LoadedConfig, concurrency: int | None = None) -> int:
    """Run a Celery worker on `daemon.queue` until it is stopped (SIGTERM: warm shutdown,
    the tasks in progress finish)."""
    global _config
    from celery.utils.nodenames import host_format

    from evidra.daemon.logs import configure

    configure()
    logging.getLogger("botocore").setLevel(logging.WARNING)  # one line per client is noise here
    _config = config
    settings = config.settings.daemon
    app = make_app(settings)
    _register(app)
    url = parse_url(config.settings.database)
    log.info("worker starting", extra={"queue": settings.queue, "database": display_url(url)})
    worker = app.Worker(
        hostname=host_format(f"evidra-{os.getpid()}@%h"),
        concurrency=concurrency,
        queues=[settings.queue],
        loglevel="INFO",
        quiet=True,  # no banner: the log is JSON lines
        # Workers need not know of each other: the broker and the database coordinate.
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
    )
    worker.start()
    return int(worker.exitcode or 0)
