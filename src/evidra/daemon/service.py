"""The daemon: one cron schedule per provider, APScheduler 3 with its job store in the
evidence database, health and metrics on a loopback port, a clean stop on SIGTERM.

Why the job store lives in the evidence database: a run missed while the daemon was
down is still due when it comes back (its next run time was persisted), and is then
caught up once (coalesced) if it is within the misfire grace. The evidence store's
own transactions make a run that is cut short vanish whole.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from evidra.config.loader import LoadedConfig
from evidra.controls.catalog import select
from evidra.daemon.health import Health, ProviderHealth, serve
from evidra.daemon.metrics import DaemonMetrics
from evidra.evidence_store.database import create_store_engine, display_url, parse_url
from evidra.model import Status, utcnow
from evidra.redact import redact_text
from evidra.runner import RunOutcome, providers_to_run, run, store

log = logging.getLogger("evidra.daemon")

DEFAULT_SCHEDULE = "0 3 * * *"  # daily, 03:00 UTC
JOBS_TABLE = "evidra_scheduler_jobs"
STORE_RETRY_MAX_DELAY = 300.0  # seconds between attempts while the database is unreachable


def cron_trigger(expression: str) -> CronTrigger:
    """A 5-field crontab, or 6 fields with seconds first (handy for tests and demos)."""
    fields = expression.split()
    if len(fields) == 6:
        second, minute, hour, day, month, day_of_week = fields
        return CronTrigger(
            second=second,
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=day_of_week,
            timezone=UTC,
        )
    return CronTrigger.from_crontab(expression, timezone=UTC)


def latest_due(trigger: CronTrigger, now: datetime, within: timedelta) -> datetime | None:
    """The latest time the schedule fired (or should have) in the `within` window before now."""
    latest = None
    moment = trigger.get_next_fire_time(None, now - within)
    for _ in range(100_000):  # a bound: a 1-second schedule over a day's grace
        if moment is None or moment > now:
            break
        latest = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
    return latest


def interval_of(trigger: CronTrigger, now: datetime) -> timedelta:
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
    return (second - first) if first and second else timedelta(days=1)


# APScheduler persists a job as a reference to a module-level function; it reaches the
# running daemon through this.
_current: Daemon | None = None


def run_scheduled(provider: str) -> None:
    if _current is not None:
        _current.collect(provider)


class Daemon:
    def __init__(self, config: LoadedConfig) -> None:
        self.config = config
        settings = config.settings.daemon
        self.schedules = {
            provider: settings.schedules.get(provider, DEFAULT_SCHEDULE)
            for provider in (list(settings.schedules) or providers_to_run(config, []))
        }
        self.stop_requested = threading.Event()
        self.health = Health(utcnow())
        self.metrics = DaemonMetrics()
        self._running = 0
        self._idle = threading.Condition()
        # With `executor: celery`, scopes are collected by `evidra worker`s (dispatch.py).
        self._celery = None
        if settings.executor == "celery":
            from evidra.daemon.celery_app import make_app

            self._celery = make_app(settings)
        url = parse_url(config.settings.database)
        self._job_engine = create_store_engine(url)
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self._job_engine, tablename=JOBS_TABLE)},
            executors={"default": ThreadPoolExecutor(max(len(self.schedules), 1))},
            job_defaults={
                "coalesce": True,  # many missed runs are caught up as one
                "max_instances": 1,  # never two runs of one schedule at once
                "misfire_grace_time": settings.misfire_grace_seconds,
            },
            timezone=UTC,
        )
        log.info(
            "daemon configured",
            extra={"database": display_url(url), "schedules": self.schedules, "executor": settings.executor},
        )

    # -- running ---------------------------------------------------------------

    def collect(self, provider: str) -> None:
        """One scheduled run of one provider: collect, evaluate, store (retrying while the
        database is unreachable), then update health and metrics."""
        with self._idle:
            self._running += 1
        started = utcnow()
        self.health.update(provider, running=True, last_attempt=started)
        try:
            outcome = self._run(provider)
            stored = self._store_with_retry(outcome)
            finished = utcnow()
            self.metrics.duration.labels(provider).observe((finished - started).total_seconds())
            for status in Status:
                count = sum(1 for r in outcome.results if r.status is status)
                self.metrics.results.labels(provider, status.value).set(count)
            if outcome.errors:
                self.metrics.api_errors.labels(provider).inc(len(outcome.errors))
            if not stored:
                outcome_label, error = "failed", "the run could not be stored"
            elif outcome.errors:
                outcome_label, error = "partial", redact_text(outcome.errors[0].message)
            else:
                outcome_label, error = "ok", None
            self.metrics.runs.labels(provider, outcome_label).inc()
            if outcome_label == "ok":
                self.metrics.last_success.labels(provider).set(finished.timestamp())
                self.health.update(provider, last_success=finished, last_error=None)
            else:
                self.health.update(provider, last_error=error)
            log.info(
                "run finished",
                extra={
                    "provider": provider,
                    "run_id": outcome.id,
                    "outcome": outcome_label,
                    "resources": len(outcome.collection.observations),
                    "results": len(outcome.results),
                    "scope_errors": len(outcome.errors),
                    "seconds": round((finished - started).total_seconds(), 3),
                },
            )
        except Exception as exc:  # a run must never take the daemon down
            self.metrics.runs.labels(provider, "failed").inc()
            self.health.update(provider, last_error=redact_text(f"{type(exc).__name__}: {exc}"))
            log.exception("run failed", extra={"provider": provider})
        finally:
            self.health.update(provider, running=False)
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def _run(self, provider: str) -> RunOutcome:
        if self._celery is None:
            return run(self.config, select(None), [provider])
        from evidra.daemon.dispatch import run_on_workers

        return run_on_workers(self.config, select(None), provider, self._celery, self.stop_requested)

    def _store_with_retry(self, outcome: Any) -> bool:
        delay = 1.0
        while True:
            try:
                store(outcome, self.config.settings.database, self.config.settings)
                return True
            except Exception as exc:
                log.warning(
                    "could not store the run; retrying",
                    extra={"run_id": outcome.id, "error": redact_text(str(exc)), "retry_in": delay},
                )
            if self.stop_requested.wait(delay):
                log.error("stopping: the run was not stored", extra={"run_id": outcome.id})
                return False
            delay = min(delay * 2, STORE_RETRY_MAX_DELAY)

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        global _current
        _current = self
        self.scheduler.start(paused=True)
        now = utcnow()
        for provider, expression in self.schedules.items():
            trigger = cron_trigger(expression)
            self.health.providers[provider] = ProviderHealth(interval=interval_of(trigger, now))
            job_id = f"collect-{provider}"
            job = self.scheduler.get_job(job_id)
            if job is None:
                self.scheduler.add_job(run_scheduled, trigger, args=[provider], id=job_id, name=job_id)
            elif str(job.trigger) != str(trigger):
                job.reschedule(trigger)
            # else: keep the stored next run time, so a run missed while down is caught up.
        for job in self.scheduler.get_jobs():
            if job.id.removeprefix("collect-") not in self.schedules:
                job.remove()
        self._catch_up(self._restore_health(), now)
        self.scheduler.resume()
        for job in self.scheduler.get_jobs():
            log.info("scheduled", extra={"job": job.id, "next_run": str(job.next_run_time)})

    def _restore_health(self) -> dict[str, datetime]:
        """From the evidence itself, so that it survives restarts: each provider's last
        complete run (health) and last stored run of any outcome (returned)."""
        from evidra.evidence_store.store import EvidenceStore

        last_stored: dict[str, datetime] = {}
        try:
            with EvidenceStore.open(self.config.settings.database) as evidence:
                for stored in reversed(evidence.chain.runs()):
                    providers = evidence.snapshots.document(stored.parameters_hash).get("providers", [])
                    for provider in providers:
                        last_stored.setdefault(provider, stored.started_at)
                        state = self.health.providers.get(provider)
                        if state is not None and state.last_success is None and not stored.error_count:
                            state.last_success = stored.finished_at
                    if all(s.last_success for s in self.health.providers.values()):
                        break
        except Exception as exc:
            log.warning("could not read past runs", extra={"error": redact_text(str(exc))})
        return last_stored

    def _catch_up(self, last_stored: dict[str, datetime], now: datetime) -> None:
        """A scheduled time with no stored run after it (the daemon was down, or killed
        mid-run) is run now, once, if it is within the misfire grace. The evidence, not
        the scheduler's bookkeeping, says whether the run happened."""
        grace = timedelta(seconds=self.config.settings.daemon.misfire_grace_seconds)
        for provider, expression in self.schedules.items():
            due = latest_due(cron_trigger(expression), now, grace)
            last = last_stored.get(provider)
            if due is not None and (last is None or last < due):
                log.info("catching up a missed run", extra={"provider": provider, "scheduled": str(due)})
                job = self.scheduler.get_job(f"collect-{provider}")
                if job is not None:
                    job.modify(next_run_time=now)

    def stop(self, grace: float) -> bool:
        """Stop scheduling; let a run in progress finish within `grace` seconds.
        Returns False when a run had to be abandoned (it leaves nothing behind)."""
        self.scheduler.shutdown(wait=False)
        deadline = time.monotonic() + grace
        with self._idle:
            while self._running and time.monotonic() < deadline:
                self._idle.wait(deadline - time.monotonic())
            finished = self._running == 0
        self._job_engine.dispose()
        return finished


def run_daemon(config: LoadedConfig, ready_file: Path | None = None) -> int:
    from evidra.daemon.logs import configure

    configure()
    daemon = Daemon(config)
    server = serve(config.settings.daemon.listen, daemon.health, daemon.metrics)

    def request_stop(signum: int, _frame: object) -> None:
        log.info("stop requested", extra={"signal": signal.Signals(signum).name})
        daemon.stop_requested.set()

    def hang_up(signum: int, _frame: object) -> None:
        # SIGHUP's default ends the process without a word (a closed terminal, a
        # supervisor's reload): the daemon says so and keeps running its schedules.
        log.warning(
            "SIGHUP received; still running (the config is read at start: restart to apply changes)",
            extra={"signal": "SIGHUP"},
        )

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGHUP, hang_up)
    daemon.start()
    host, port = server.server_address[:2]
    log.info("daemon started", extra={"listen": f"{host!s}:{port}"})
    if ready_file is not None:
        ready_file.write_text(f"{host!s}:{port}\n")
    daemon.stop_requested.wait()
    finished = daemon.stop(config.settings.daemon.stop_grace_seconds)
    server.shutdown()
    if not finished:
        log.warning("a run was still in progress after the grace period; abandoned, nothing of it is kept")
        logging.shutdown()
        os._exit(0)  # its thread is mid-transaction; leaving the process rolls it back
    log.info("daemon stopped")
    return 0
