"""Defender for Cloud's vulnerability findings (assessments and their sub-assessments) as
`vuln.finding`, through the real azure-mgmt-security client on the ARM fake, over several
stored runs: the times Defender does not keep per vulnerability are carried from run to
run, and the remediation-deadline controls judge them as they judge Security Hub's."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from evidra.config.loader import LoadedConfig
from evidra.config.settings import Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.requirements import default_parameters
from evidra.emulators.azure_estate import (
    DEVELOPMENT,
    MACHINE_VULNERABILITIES,
    NOW,
    PRODUCTION,
    arm_resources,
    assessment,
    rid,
    sub_assessment,
)
from evidra.emulators.azure_server import FakeAzure
from evidra.evidence_store.store import EvidenceStore
from evidra.model import Collection, Observation
from evidra.runner import RunOutcome, run, store
from tests.collectors.azure.azure_support import collect, settings
from tests.fakes.findings import EXPECTED, by_population

OWNERS = ("open-in-time", "open-late", "fixed-in-time", "fixed-late", "suppressed", "suppressed-bare")


def estate(fixed: bool) -> list[dict[str, Any]]:
    """One machine per population (an assessment's times are per machine); `fixed`: the
    scanner's next report, where two of them are fixed."""

    def machine(name: str, code: str, changed: float, **status: Any) -> dict[str, Any]:
        vm = rid(PRODUCTION, "rg-app", "Microsoft.Compute", "virtualMachines", f"vm-{name}")
        return assessment(vm, MACHINE_VULNERABILITIES, code, first=300, changed=changed, **status)

    healed, scanned = ("Healthy", 0.01) if fixed else ("Unhealthy", 1)
    in_time, late = (
        machine("fixed-in-time", healed, 0.01 if fixed else 25),
        machine("fixed-late", healed, 0.01 if fixed else 70),
    )
    waived = machine(
        "suppressed",
        "NotApplicable",
        10,
        cause="Exempt",
        description="Waiver: only reachable from the build network (CISO, RISK-12)",
    )
    bare = machine("suppressed-bare", "NotApplicable", 10, cause="Exempt")
    opened, overdue = machine("open-in-time", "Unhealthy", 3), machine("open-late", "Unhealthy", 20)
    na, exempt = "NotApplicable", {"cause": "Exempt", "description": "Disabled parent assessment"}
    return [
        *arm_resources(),
        opened, overdue, in_time, late, waived, bare,
        sub_assessment(opened, "CVE-2024-3094", "xz backdoor", "High", "Unhealthy", 1, cvss=10.0),
        sub_assessment(overdue, "CVE-2024-6387", "OpenSSH regreSSHion", "High", "Unhealthy", 1, cvss=9.8),
        sub_assessment(in_time, "CVE-2023-44487", "HTTP/2 Rapid Reset", "High", healed, scanned),
        sub_assessment(late, "CVE-2023-4863", "libwebp heap overflow", "High", healed, scanned, cvss=8.8),
        sub_assessment(waived, "CVE-2022-0778", "OpenSSL infinite loop", "Medium", na, 1, **exempt),
        sub_assessment(bare, "CVE-2021-3711", "OpenSSL SM2 overflow", "Low", na, 1, **exempt),
        # Neither is a vulnerability finding: a SQL configuration rule, and a check not run.
        sub_assessment(opened, "VA2108", "Minimal set of principals", "High", "Unhealthy", 1,
                       assessed_type="SqlServerVulnerability"),
        sub_assessment(overdue, "CVE-2020-1472", "Zerologon", "High", na, 1, cause="OffByPolicy"),
    ]  # fmt: skip


def population(attributes: dict[str, Any]) -> str:
    """The machine's name says which population its finding is of."""
    return str(attributes["resource"]).rsplit("/vm-", 1)[1]


def stored_run(fake: FakeAzure, tmp_path: Path) -> RunOutcome:
    """One `evidra collect`-like run (collect, judge, store) through the runner."""
    database = f"sqlite:///{tmp_path / 'evidence.db'}"
    config = LoadedConfig(
        Settings(database=database, providers=Providers(azure=settings(fake))), None, default_parameters()
    )
    outcome = run(config, select(None), ["azure"])
    assert outcome.collection.errors == []
    store(outcome, database)
    return outcome


def findings(outcome: RunOutcome) -> dict[str, dict[str, Any]]:
    return {
        population(o.attributes): o.attributes
        for o in outcome.collection.observations
        if o.type == "vuln.finding"
    }


def test_findings_over_runs_with_their_lifetimes_and_deadlines(azure: FakeAzure, tmp_path: Path) -> None:
    azure.set_resources(estate(fixed=False))
    opened = findings(stored_run(azure, tmp_path))
    # The demo's two machines too; no SQL rule, no unassessed check.
    assert sorted(opened) == sorted(["web-01", "build-01", *OWNERS])
    assert opened["open-late"]["severity"] == "critical"  # CVSS 9.8: Defender's High, NVD's critical
    assert opened["fixed-in-time"]["state"] == "open"
    assert opened["fixed-in-time"]["first_observed"] == assessment_time(
        25
    )  # the machine turned Unhealthy then

    # The scanner's next report: two are fixed. Their machines are Healthy now, which keeps
    # no trace of when they turned Unhealthy: evidra's first sight is carried on.
    azure.set_resources(estate(fixed=True))
    second = stored_run(azure, tmp_path)
    fixed = findings(second)
    assert fixed["fixed-in-time"]["state"] == "fixed"
    assert fixed["fixed-in-time"]["first_observed"] == opened["fixed-in-time"]["first_observed"]
    assert 24.9 < days(fixed["fixed-in-time"]) < 25.1
    assert fixed["suppressed"]["suppression_comment"].startswith("Waiver")
    assert fixed["suppressed-bare"]["suppression_comment"] is None
    got = by_population(second.results, second.collection, lambda o: population(o.attributes))
    assert {k: got.get(k) for k in EXPECTED} == EXPECTED
    assert ("vuln-remediation-medium", "suppressed") not in got  # judged as an exception
    # Defender records no review but the suppression: the triage deadline does not apply.
    assert got[("vuln-triage-deadline", "open-in-time")] == "not_applicable"

    # A third run with nothing new: the same findings (a rescan's newer time does not move
    # a fix), so the store keeps one snapshot for each.
    azure.set_resources(estate(fixed=True))
    third = findings(stored_run(azure, tmp_path))
    assert third == fixed  # open ones too: their age is measured at the run, not stored
    with EvidenceStore.open(f"sqlite:///{tmp_path / 'evidence.db'}") as evidence:
        state = evidence.state_at(NOW + timedelta(days=1))
        stored = {
            population(r.attributes): r.attributes["state"]
            for r in state.resources
            if r.type == "vuln.finding"
        }
    assert (
        stored["fixed-late"] == "fixed"
        and stored["open-late"] == "open"
        and stored["suppressed"] == "dismissed"
    )


def assessment_time(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def days(attributes: dict[str, Any]) -> float:
    opened, closed = (datetime.fromisoformat(attributes[k]) for k in ("first_observed", "closed_at"))
    return (closed - opened).total_seconds() / 86400


def test_listings_are_paged_and_throttling_waited_out(azure: FakeAzure) -> None:
    azure.page_size = 2
    azure.set_resources(estate(fixed=False))
    azure.add_fault(r"/providers/Microsoft\.Security/subAssessments$", "throttle", times=1)
    collection = collect(azure)
    assert collection.errors == []
    assert len(of_findings(collection)) == 8  # the demo machines' two, and one per population
    assert azure.throttled >= 1
    assert (
        azure.count("arm", r"/providers/Microsoft\.Security/subAssessments$") >= 5
    )  # 10 items, 2 a page, a 429


def test_a_subscription_without_defender_has_no_findings_and_no_error(azure: FakeAzure) -> None:
    azure.tenant.unregistered = {PRODUCTION: {"Microsoft.Security"}, DEVELOPMENT: {"Microsoft.Security"}}
    collection = collect(azure)
    assert collection.errors == []
    assert of_findings(collection) == {}
    plans = [o for o in collection.observations if o.type == "monitoring.threat_detection"]
    assert plans and not any(o.attributes["enabled"] for o in plans)
    # azure-mgmt-core would register the provider (a write): evidra does not even send it.
    assert {method for host, method, _, _ in azure.requests if host == "arm"} == {"GET"}


def test_a_failing_listing_is_an_error_for_findings_only(azure: FakeAzure) -> None:
    azure.add_fault(r"/providers/Microsoft\.Security/subAssessments$", "error")
    collection = collect(azure)
    assert {(e.scope, e.types) for e in collection.errors} == {
        (f"azure:{PRODUCTION}", ("vuln.finding",)),
        (f"azure:{DEVELOPMENT}", ("vuln.finding",)),
    }
    assert "500" in collection.errors[0].message
    assert any(o.type == "monitoring.threat_detection" for o in collection.observations)


def of_findings(collection: Collection) -> dict[str, Observation]:
    return {o.id: o for o in collection.observations if o.type == "vuln.finding"}
