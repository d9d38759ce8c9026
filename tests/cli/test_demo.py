"""`evidra demo`: README's first command, on its own emulators, every provider it shows."""

from __future__ import annotations

from pathlib import Path

from evidra.controls.catalog import select
from evidra.demo.run import DEMO_PROVIDERS
from evidra.emulators.github_estate import API_TOKEN as GITHUB_TOKEN
from evidra.emulators.okta_estate import API_TOKEN
from evidra.evidence_store.store import EvidenceStore
from evidra.model import utcnow
from evidra.reports.coverage import AUTOMATED, coverage
from evidra.reports.period import Period, analyse
from tests.fakes.cli import evidra

CLOUD_REQUIREMENTS = (
    "key.lifecycle_logging",
    "key.misuse_alerting",
    "mon.security_alerting",
    "backup.geo_redundancy",
    "enc.backup",
    "enc.in_transit.strong_ciphers",
    "data.classification_tagging",
    "data.dlp_enabled",
    "ret.automated_disposal",
    "infra.environment_separation",
    "seed002.scope_inventory",
    "pwd.lockout",
    "mfa.cloud_apps",
)


def test_demo_collects_every_demo_provider_and_seals_the_run(tmp_path: Path) -> None:
    result = evidra("demo", "--database", "demo.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "console password enabled, no MFA device" in result.stdout
    assert "Evidence stored in" in result.stdout
    assert evidra("verify", "--database", "sqlite:///demo.db", cwd=tmp_path).returncode == 0

    store = EvidenceStore.open(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        run = store.latest_run()
        assert run is not None
        observations = store.observations(run.id)
        errors = store.errors(run.id)
        today = utcnow().date()
        report = analyse(store, Period(today, today), select(None), utcnow())
        covered = {row.requirement.id: row for row in coverage(report, store.manual_evidence())}
    finally:
        store.close()
    assert errors == []
    # coverage.csv of a package of the demo: the cloud requirements of issue 16 are evidenced.
    for requirement in CLOUD_REQUIREMENTS:
        assert covered[requirement].status == AUTOMATED, (requirement, covered[requirement].status)
    # Each emulator answered: every provider the demo shows has evidence in the run.
    # The roster (provider `people`) and the checks of it and of access reviews come beside them.
    assert {o["provider"] for o in observations} == {*DEMO_PROVIDERS, "people", "access_review"}
    # Every account is judged against HR's roster: Entra ID's demo users are nobody's.
    assert "belongs to nobody on the roster" in result.stdout
    assert "contract ended" in result.stdout
    # The Okta organisation's leavers are judged from the demo's terminations file.
    assert "still has access" in result.stdout
    # The GitHub organisation's merged changes are judged one by one.
    assert "merged by admin-dave at" in result.stdout
    assert any(o["type"] == "change.merge" for o in observations)
    # The fake's API token went through the real SDK and never reached the evidence.
    for stored in tmp_path.glob("demo.db*"):  # the database and any WAL beside it
        for token in (API_TOKEN, GITHUB_TOKEN):
            assert token not in stored.read_bytes().decode("latin-1")
    assert API_TOKEN not in result.stdout + result.stderr
    assert GITHUB_TOKEN not in result.stdout + result.stderr
