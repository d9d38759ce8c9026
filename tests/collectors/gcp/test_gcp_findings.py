"""Security Command Center's vulnerability findings as `vuln.finding`, through the real
google-cloud-securitycenter client (REST) on the GCP fake, over several stored runs, and
the remediation-deadline controls' verdicts on them: the same as on Security Hub's."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from evidra.config.loader import LoadedConfig
from evidra.config.settings import Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.requirements import default_parameters
from evidra.emulators.gcp_estate import add_finding, ago_days
from evidra.emulators.gcp_server import FakeGcp
from evidra.model import Collection
from evidra.runner import RunOutcome, run, store
from tests.collectors.gcp.gcp_support import collect, settings
from tests.fakes.findings import EXPECTED, by_population

RULE = "organizations/123456789012/muteConfigs/accepted-build-network"


def scanned(fake: FakeGcp) -> None:
    """One VM per population in acme-prod (its name says which), as the detectors report them."""

    def vm(name: str, cve: str, severity: str, **kwargs: Any) -> None:
        add_finding(fake.org, "acme-prod", name, cve, severity, **kwargs)

    vm("open-in-time", "CVE-2024-3094", "CRITICAL", created=3)
    vm("open-late", "CVE-2024-6387", "CRITICAL", created=20)
    vm("fixed-in-time", "CVE-2023-44487", "HIGH", created=25)
    vm("fixed-late", "CVE-2023-4863", "HIGH", created=70)
    vm("suppressed", "CVE-2022-0778", "MEDIUM", created=30, muted=5, mute_rule=RULE,
       mute_initiator="alice@acme.com: only reachable from the build network (RISK-12)")  # fmt: skip
    vm("suppressed-bare", "CVE-2021-3711", "LOW", created=30, muted=5)
    # Not read: a misconfiguration, and a finding fixed long before the lookback.
    vm("open-firewall", "OPEN_FIREWALL", "HIGH", created=3, finding_class="MISCONFIGURATION")
    vm("fixed-long-ago", "CVE-2019-0708", "CRITICAL", created=300, fixed=200)


def fix(fake: FakeGcp, *populations: str) -> None:
    """The detector no longer sees them: INACTIVE, the event time now (v1 Finding.event_time:
    "If the finding is later resolved, then this time reflects when the finding was resolved")."""
    for result in fake.org.findings:
        if population({"resource": result["finding"]["resourceName"]}) in populations:
            result["finding"]["state"] = "INACTIVE"
            result["finding"]["eventTime"] = ago_days(0)


def population(attributes: dict[str, Any]) -> str:
    return str(attributes["resource"]).rsplit("/instances/", 1)[1]


def stored_run(fake: FakeGcp, tmp_path: Path) -> RunOutcome:
    database = f"sqlite:///{tmp_path / 'evidence.db'}"
    gcp = settings(fake, tmp_path / "key.json")
    config = LoadedConfig(
        Settings(database=database, providers=Providers(gcp=gcp)), None, default_parameters()
    )
    outcome = run(config, select(None), ["gcp"])
    assert outcome.collection.errors == []
    store(outcome, database)
    return outcome


def findings(collection: Collection) -> dict[str, dict[str, Any]]:
    return {
        population(o.attributes): o.attributes for o in collection.observations if o.type == "vuln.finding"
    }


def test_findings_over_runs_with_their_lifetimes_and_deadlines(gcp: FakeGcp, tmp_path: Path) -> None:
    scanned(gcp)
    opened = findings(stored_run(gcp, tmp_path).collection)
    assert sorted(opened) == sorted(
        ["web-1", "open-in-time", "open-late", "fixed-in-time", "fixed-late", "suppressed", "suppressed-bare"]
    )  # the misconfiguration is no vulnerability; the old fix is outside the lookback
    assert opened["fixed-in-time"]["state"] == "open" and opened["open-late"]["severity"] == "critical"

    fix(gcp, "fixed-in-time", "fixed-late")
    second = stored_run(gcp, tmp_path)
    fixed = findings(second.collection)
    assert fixed["fixed-in-time"]["state"] == "fixed"
    assert fixed["fixed-in-time"]["first_observed"] == opened["fixed-in-time"]["first_observed"]
    opened_at, fixed_at = (
        datetime.fromisoformat(fixed["fixed-in-time"][k]) for k in ("first_observed", "fixed_at")
    )
    assert 24.9 < (fixed_at - opened_at).total_seconds() / 86400 < 25.1
    assert fixed["suppressed"]["dismissed_by"] == RULE
    assert fixed["suppressed"]["suppression_comment"].startswith("alice@acme.com")
    assert fixed["suppressed-bare"]["suppression_comment"] is None
    got = by_population(second.results, second.collection, lambda o: population(o.attributes))
    assert {k: got.get(k) for k in EXPECTED} == EXPECTED
    assert ("vuln-remediation-medium", "suppressed") not in got  # judged as an exception
    # Security Command Center records no review but the suppression: the triage deadline does not apply.
    assert got[("vuln-triage-deadline", "open-in-time")] == "not_applicable"

    # Nothing new: the same findings, open ones too (their age is measured at the run).
    assert findings(stored_run(gcp, tmp_path).collection) == fixed


def test_findings_are_paged_and_throttling_waited_out(gcp: FakeGcp, tmp_path: Path) -> None:
    scanned(gcp)
    gcp.add_fault(r"/sources/-/findings$", "throttle", times=1)
    collection = collect(gcp, tmp_path / "key.json", page_size=2)
    assert collection.errors == []
    assert (
        len(findings(collection)) == 7 and sum(o.type == "vuln.finding" for o in collection.observations) == 8
    )
    assert gcp.calls()["ListFindings"] == 1 + 4  # a 429, then 8 findings two a page


def test_an_organisation_without_security_command_center_has_no_findings_and_no_error(
    gcp: FakeGcp, tmp_path: Path
) -> None:
    gcp.org.scc_activated = False
    collection = collect(gcp, tmp_path / "key.json")
    assert collection.errors == []
    assert findings(collection) == {}
    assert gcp.calls()["ListFindings"] == 1


def test_a_failing_findings_listing_is_an_error_for_findings_only(gcp: FakeGcp, tmp_path: Path) -> None:
    gcp.add_fault(r"/sources/-/findings$", "error")
    collection = collect(gcp, tmp_path / "key.json")
    assert [(e.types, "securitycenter ListFindings failed" in e.message) for e in collection.errors] == [
        (("vuln.finding",), True)
    ]
    assert any(o.type == "storage.bucket" for o in collection.observations)
