"""Prometheus metrics of the daemon, in a registry of its own (no process-global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class DaemonMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter(
            "evidra_runs",
            "Runs by provider and outcome (ok, partial, failed)",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "evidra_run_duration_seconds",
            "Wall time of a run, collection to sealed evidence",
            ["provider"],
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200),
            registry=self.registry,
        )
        self.results = Gauge(
            "evidra_results",
            "Results of the provider's latest run, by status",
            ["provider", "status"],
            registry=self.registry,
        )
        self.api_errors = Counter(
            "evidra_api_errors", "Scopes that could not be read", ["provider"], registry=self.registry
        )
        self.last_success = Gauge(
            "evidra_last_success_timestamp_seconds",
            "When the provider's latest complete run finished",
            ["provider"],
            registry=self.registry,
        )
