"""Three weeks read the way an auditor reads them (issue 13): a history made by the real
`evidra collect` against the Okta and Azure emulators, one run a day under a driven
clock (evidra.model.set_clock), then `evidra report`, `evidra sample` and `evidra
evidence add` as a user runs them, and the package opened as files.

The history (DAY0 = Monday 2026-10-05, runs at 02:00; three runs before the period):

    days -3..-1  carol has no MFA; her last sign-in changes every day (new evidence)
    day 0..20    the period; Azure's "Acquired company" subscription is never readable
    day 7        carol enrols a factor: her failure is remediated
    days 10..13  no run at all
    day 13       bob's risk acceptance (approved 2026-09-28, ticket SEC-42) expires
    day 15 09:00 dave leaves (the terminations file gains him on day 16)
    day 17 09:00 dave's account is deactivated: 48 hours late
    day 19       Okta's and Entra ID's user listings fail: identity-user-mfa has only failed reads
    grace        federated: never signs in with an Okta password, out of scope
    2026-10-28   a quarterly access review is added as manual evidence, after the period
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evidra.cli import app
from evidra.emulators.azure_estate import CLIENT_ID, PRODUCTION, TENANT_ID, demo_tenant, subscription
from evidra.emulators.azure_server import FakeAzure
from evidra.emulators.okta_estate import API_TOKEN, factor, role, user
from evidra.emulators.okta_server import FakeOkta, OktaOrg
from evidra.model import set_clock
from evidra.reports.verify_package import verify_package

DAY0 = datetime(2026, 10, 5, 2, 0, tzinfo=UTC)
BEFORE, DAYS = 3, 21
NO_RUN = {10, 11, 12, 13}
PERIOD = "2026-10-05..2026-10-25"
ACQUIRED = "1a2b3c4d-0000-4000-8000-00000000dead"
CONTROLS = ["identity-user-mfa", "deprovisioning-deadline", "bucket-encryption"]
TERMINATED = DAY0 + timedelta(days=15, hours=7)  # 09:00
REMOVED = TERMINATED + timedelta(hours=48)
OKTA_TOKEN_ENV, AZURE_SECRET_ENV = "EVIDRA_TEST_OKTA_TOKEN", "EVIDRA_TEST_AZURE_SECRET"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _person(uid: str, login: str, now: datetime, **fields: Any) -> dict[str, Any]:
    made = user(uid, login, fields.pop("status", "ACTIVE"), provider=fields.pop("provider", "OKTA"))
    last_login = fields.pop("last_login", now - timedelta(hours=3))
    changed = fields.pop("status_changed", DAY0 - timedelta(days=300))
    made |= {
        "created": _stamp(DAY0 - timedelta(days=300)),
        "activated": _stamp(DAY0 - timedelta(days=300)),
        "statusChanged": _stamp(changed),
        "lastLogin": _stamp(last_login),
        "lastUpdated": _stamp(DAY0 - timedelta(days=30)),
        "passwordChanged": _stamp(DAY0 - timedelta(days=30)),
    }
    return made


def _org(day: int) -> OktaOrg:
    """The Okta organisation as it is on `day` (before its 02:00 run)."""
    now = DAY0 + timedelta(days=day)
    removed = now >= REMOVED
    users = [
        _person("00uadmin1", "ada@acme.com", now),
        _person("00uevidra1", "evidra-reader@acme.com", now),
        _person("00ubob0001", "bob@acme.com", now),
        # carol's last sign-in moves every day: her snapshot (the evidence) changes daily
        _person("00ucarol01", "carol@acme.com", now, last_login=now - timedelta(hours=1)),
        _person(
            "00udave001",
            "dave@acme.com",
            now,
            status="DEPROVISIONED" if removed else "ACTIVE",
            status_changed=REMOVED if removed else DAY0 - timedelta(days=300),
        ),
        _person("00ugrace01", "grace@acme.com", now, provider="FEDERATION"),
    ]
    totp = "token:software:totp"
    factors = {
        "00uadmin1": [factor("f1", totp)],
        "00uevidra1": [factor("f2", totp)],
        "00udave001": [factor("f3", totp)],
        **({"00ucarol01": [factor("f4", totp)]} if day >= 7 else {}),
    }
    logs = []
    if removed:
        logs.append(
            {
                "uuid": "e-dave-deactivate",
                "published": _stamp(REMOVED),
                "eventType": "user.lifecycle.deactivate",
                "version": "0",
                "severity": "INFO",
                "displayMessage": "Deactivate Okta user",
                "actor": {"id": "00uadmin1", "type": "User", "alternateId": "ada@acme.com"},
                "outcome": {"result": "SUCCESS", "reason": None},
                "target": [{"id": "00udave001", "type": "User", "alternateId": "dave@acme.com"}],
            }
        )
    return OktaOrg(
        users=users,
        me="00uevidra1",
        factors=factors,
        user_roles={"00uadmin1": [role("ra1", "SUPER_ADMIN", "Super Administrator")]},
        logs=logs,
    )


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The history above, collected through `evidra collect` once for the module; yields
    the working folder (each test copies what it changes)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from _history(tmp_path_factory.mktemp("history"), monkeypatch)


def _history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    tenant = demo_tenant()
    tenant.subscriptions.append(subscription(ACQUIRED, "Acquired company"))
    tenant.denied.add(ACQUIRED)
    # storage accounts only (the one control judging Azure resources here): a few calls a run
    tenant.resources = [r for r in tenant.resources if "/Microsoft.Storage/" in r["id"]]
    with FakeOkta(_org(-BEFORE), API_TOKEN) as okta, FakeAzure(tenant, read_capacity=10**6) as azure:
        for name, value in (
            ("SSL_CERT_FILE", str(okta.cert_file)),
            ("REQUESTS_CA_BUNDLE", str(azure.cert_file)),
            (OKTA_TOKEN_ENV, API_TOKEN),
            (AZURE_SECRET_ENV, "evidra-demo~client.secret_0123456789abcdefXYZ"),
        ):
            monkeypatch.setenv(name, value)
        # one bundle trusting both emulators
        bundle = tmp_path / "ca.pem"
        bundle.write_bytes(okta.cert_file.read_bytes() + azure.cert_file.read_bytes())
        monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
        for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "EVIDRA_CONFIG"):
            monkeypatch.delenv(name, raising=False)
        terminations = tmp_path / "terminations.csv"
        terminations.write_text("user,terminated_at\n")
        (tmp_path / "evidra.yaml").write_text(
            f"""
database: sqlite:///{tmp_path}/evidence.db
report: {{signing_key: {tmp_path}/keys/signer.pem}}
policy: {{version: "2.3", owner: CISO, approved_at: 2026-09-01}}
providers:
  okta:
    org_url: {okta.url}
    token_env: {OKTA_TOKEN_ENV}
    terminations_file: {terminations}
    max_attempts: 2
  azure:
    tenant_id: {TENANT_ID}
    client_id: {CLIENT_ID}
    client_secret_env: {AZURE_SECRET_ENV}
    subscriptions: [{PRODUCTION}, {ACQUIRED}]
    resource_manager_endpoint: {azure.arm_url}
    graph_endpoint: {azure.graph_url}
    authority_host: {azure.authority_url}
    max_attempts: 2
    retry_backoff_seconds: 0.01
exceptions:
  - control: identity-user-mfa
    resource: "*00ubob0001*"
    reason: hardware token on order
    approved_by: CISO
    approved_at: 2026-09-28
    ticket: SEC-42
    expires: 2026-10-18
"""
        )
        runner = CliRunner()
        try:
            for day in range(-BEFORE, DAYS):
                if day in NO_RUN:
                    continue
                okta.org = _org(day)
                if day == 16:  # HR's file gains dave the day after he left
                    terminations.write_text(f"user,terminated_at\ndave@acme.com,{_stamp(TERMINATED)}\n")
                if day == 19:  # neither directory answers: the day has only failed reads
                    okta.add_fault(r"^/api/v1/users$", "error")
                    azure.add_fault(r"^/v1\.0/users$", "error")
                moment = DAY0 + timedelta(days=day)
                set_clock(lambda moment=moment: moment)
                result = runner.invoke(
                    app,
                    ["collect", "--config", str(tmp_path / "evidra.yaml"), *_controls(), "--format", "json"],
                )
                assert result.exit_code == 3, (day, result.output)  # the acquired subscription: always a gap
                okta.faults.clear()
                azure.faults.clear()
        finally:
            set_clock(None)
        yield tmp_path


def _controls() -> list[str]:
    return [arg for control in CONTROLS for arg in ("--control", control)]


def _evidra(folder: Path, *args: str) -> Any:
    return CliRunner().invoke(app, [*args, "--config", str(folder / "evidra.yaml")])


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def package(history: Path) -> Path:
    assert _evidra(history, "keys", "init").exit_code == 0
    for name, when in (("q4-review.pdf", "2026-10-28"), ("q3-review.pdf", "2026-10-20")):
        (history / name).write_bytes(f"%PDF access review {when}".encode())
        added = _evidra(
            history, "evidence", "add", "--requirement", "ac.access_review.privileged",
            "--file", str(history / name), "--date", when, "--by", "alice",
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        if when == "2026-10-28":  # after the last run: no package period holds it yet, said at once
            assert "falls in no package period" in added.output
    made = _evidra(history, "report", "--period", PERIOD, "--out", str(history / "package"), *_controls())
    assert made.exit_code == 0, made.output
    return history / "package"


def test_provenance_is_in_the_package(package: Path) -> None:
    rows = _csv(package / "controls/identity-user-mfa.csv")
    assert rows and all(row["observed_at"] for row in rows)
    bob = next(row for row in rows if row["name"] == "bob@acme.com")
    evidence = bob["evidence"].removeprefix("sha256:")
    body = (package / f"evidence/{evidence}.json").read_bytes()
    assert hashlib.sha256(body).hexdigest() == evidence
    provenance = json.loads((package / f"provenance/{evidence}.json").read_text())
    read = provenance["read"]
    assert (
        read["provenance"]["principal"]
        == f"okta user evidra-reader@acme.com (okta API token from ${OKTA_TOKEN_ENV})"
    )
    assert {call["operation"] for call in read["provenance"]["calls"]} >= {"listUsers"}
    assert read["observed_at"].startswith("2026-10-")
    # each run's configuration (secrets named, never held) and scope inventory
    runs = _csv(package / "runs/runs.csv")
    assert len(runs) == DAYS - len(NO_RUN)
    config_text = (package / runs[0]["configuration"]).read_text()
    assert OKTA_TOKEN_ENV in config_text and API_TOKEN not in config_text and "secret_0123" not in config_text
    scopes = _csv(package / "runs/scopes.csv")
    acquired = [row for row in scopes if row["scope"] == f"azure:{ACQUIRED}"]
    assert acquired and all(
        row["status"] == "failed" and "AuthorizationFailed" in row["error"] for row in acquired
    )
    assert {row["scope"] for row in scopes if row["status"] == "read"} >= {
        f"azure:{PRODUCTION}",
        "okta:127.0.0.1",
    }
    # the terminations file in force: empty before day 16, with dave after
    inputs = {row["run"]: row["inputs"] for row in runs}
    first, last = inputs[runs[0]["run"]], inputs[runs[-1]["run"]]
    assert first != last
    kept = package / last.split("=", 1)[1]
    assert "dave@acme.com" in kept.read_text()


def test_the_schedule_is_measured(package: Path) -> None:
    schedule = _csv(package / "controls/identity-user-mfa.schedule.csv")
    assert len(schedule) == DAYS
    gaps = {row["day"]: row["gap"] for row in schedule if row["gap"]}
    run_less = {(DAY0 + timedelta(days=day)).date().isoformat() for day in NO_RUN}
    assert {day for day, gap in gaps.items() if gap == "no run"} == run_less
    day19 = (DAY0 + timedelta(days=19)).date().isoformat()
    assert gaps[day19].startswith("only failed reads:") and "okta:127.0.0.1" in gaps[day19]
    document = json.loads((package / "controls/identity-user-mfa.json").read_text())
    assert document["control"]["expected_cadence"] == "daily"
    assert document["control"]["with_evidence"] == DAYS - len(NO_RUN) - 1


def test_an_open_period_is_refused_unless_allowed(package: Path, history: Path) -> None:
    longer = "2026-10-05..2026-11-01"
    refused = _evidra(history, "report", "--period", longer, "-o", str(history / "p.zip"), *_controls())
    assert refused.exit_code == 2 and "--allow-open-period" in refused.output
    allowed = _evidra(
        history,
        "report",
        "--period",
        longer,
        "--out",
        str(history / "open"),
        "--allow-open-period",
        *_controls(),
    )
    assert allowed.exit_code == 0, allowed.output
    assert "Period in progress" in (history / "open/index.html").read_text()
    assert "PERIOD IN PROGRESS" in (history / "open/README.txt").read_text()


def test_the_population_is_whole(package: Path) -> None:
    population = {row["name"]: row for row in _csv(package / "controls/identity-user-mfa.population.csv")}
    assert population["grace@acme.com"]["in_scope"] == "no"
    assert population["grace@acme.com"]["out_of_scope_reason"] == "no console password"
    assert population["dave@acme.com"]["in_scope"] == "partly"  # deactivated on day 17
    assert population["dave@acme.com"]["out_of_scope_reason"] in ("account disabled", "no console password")
    assert population["bob@acme.com"]["scope"] == "okta:127.0.0.1"  # the org's host, no port
    assert population["bob@acme.com"]["first_seen"].startswith("2026-10-05")
    # Azure users by user principal name, beside Okta's logins
    assert any("@" in name for name, row in population.items() if row["provider"] == "azure")
    # read failures are counted apart, never as failures
    document = json.loads((package / "controls/identity-user-mfa.json").read_text())
    assert document["control"]["results"]["error"] > 0
    html = (package / "index.html").read_text()
    assert 'class="band error"' in html and "not readable" in html


def test_exceptions_expire_and_windows_start_where_they_started(package: Path) -> None:
    windows = _csv(package / "controls/identity-user-mfa.exceptions.csv")
    bob = [row for row in windows if row["name"] == "bob@acme.com"]
    assert [(row["part_status"], row["excepted_by"], row["ticket"], row["approved_at"]) for row in bob] == [
        ("excepted", "CISO", "SEC-42", "2026-09-28"),
        ("fail", "", "", ""),
    ]
    assert bob[0]["part_to"].startswith("2026-10-14") and bob[1]["part_from"].startswith("2026-10-19")
    carol = [row for row in windows if row["name"] == "carol@acme.com"]
    assert len(carol) == 1
    assert carol[0]["failing_from"].startswith("2026-10-02")  # before the period, across evidence changes
    assert carol[0]["before_period"] == "True" and carol[0]["state"] == "remediated"
    assert carol[0]["remediated_at"].startswith("2026-10-12")
    report = json.loads((package / "report.json").read_text())
    cc61 = next(c for c in report["criteria"] if c["criterion"] == "CC6.1")
    assert cc61["open_excepted"] == 0  # bob's acceptance expired: not counted as excepted


def test_a_late_leaver_is_a_finding_with_date_and_delay(package: Path) -> None:
    findings = _csv(package / "controls/deprovisioning-deadline.findings.csv")
    assert [(row["name"], row["delay_hours"]) for row in findings] == [("dave@acme.com", "48.0")]
    assert findings[0]["happened_at"] == _stamp(TERMINATED).replace(".000", "")
    assert _csv(package / "controls/deprovisioning-deadline.exceptions.csv") == []  # not a window
    document = json.loads((package / "controls/deprovisioning-deadline.json").read_text())
    assert document["control"]["counted_in"] == "events" and document["control"]["results"]["fail"] == 1


def test_manual_evidence_is_dated_and_kept_on_its_cadence(package: Path) -> None:
    manual = _csv(package / "manual.csv")
    assert {(row["file_name"], row["in_period"]) for row in manual} == {
        ("q3-review.pdf", "yes"),
        ("q4-review.pdf", "outside the period"),
    }
    coverage = {row["requirement"]: row for row in _csv(package / "coverage.csv")}
    assert coverage["ac.access_review.privileged"]["occurrences"] == "2026-10-05..2026-10-25: q3-review.pdf"
    assert "missing" in coverage["ac.access_review.cadence"]["occurrences"]


def test_headlines_are_counts_and_every_criterion(package: Path) -> None:
    html = (package / "index.html").read_text()
    assert "operating effectiveness" not in html.lower()
    assert "version 2.3, owner CISO, approved 2026-09-01" in html
    report = json.loads((package / "report.json").read_text())
    criteria = {c["criterion"]: c for c in report["criteria"]}
    assert any(not c["controls_with_evidence"] for c in criteria.values())  # criteria without automation
    assert any(c["mapping_inferred"] for c in criteria.values())
    assert "Parameters still at the policy template" in html  # the 24-hour deadline is the template's example


def test_the_workbook_has_population_sheets(package: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(package / "workbook.xlsx")
    sheet = book["identity-user-mfa population"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    header = [cell.value for cell in sheet[1]]
    grace = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if "grace@acme.com" in row)
    assert isinstance(grace[header.index("runs_seen")], int)


def test_the_auditor_draws_a_sample(package: Path, history: Path) -> None:
    population = package / "controls/identity-user-mfa.population.csv"
    made = _evidra(
        history, "sample", "--population", str(population), "--size", "3", "--seed", "11",
        "-o", str(history / "sample.zip"),
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    check = verify_package(history / "sample.zip")
    assert check.ok, check.problems
    import zipfile

    with zipfile.ZipFile(history / "sample.zip") as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("selection.csv").decode())))
        readme = archive.read("README.txt").decode()
        names = set(archive.namelist())
    assert len(rows) == 3
    # README's recipe, run without evidra, draws the same items
    recipe = readme.split("without evidra (Python 3", 1)[1].split("\n\n", 1)[1].split("\n\n", 1)[0]
    code = "\n".join(line[4:] for line in recipe.splitlines())
    drawn = subprocess.run(
        [sys.executable, "-c", code], cwd=package / "controls", capture_output=True, text=True, check=True
    ).stdout.split()
    assert [(row["id"], row["date"]) for row in rows] == list(zip(drawn[::2], drawn[1::2], strict=True))
    for row in rows:
        if row["found"] == "yes":
            assert f"evidence/{row['evidence'].removeprefix('sha256:')}.json" in names
        else:
            assert row["found"].startswith("gap")

    # the auditor's own list: a day of the run-less stretch is a gap, not skipped
    bob = next(row for row in _csv(population) if row["name"] == "bob@acme.com")["id"]
    selection = history / "mine.csv"
    stretch = (DAY0 + timedelta(days=11)).date()
    selection.write_text(
        f"control,id,date\nidentity-user-mfa,{bob},{stretch}\nidentity-user-mfa,{bob},{date(2026, 10, 20)}\n"
    )
    own = _evidra(history, "sample", "--from", str(selection), "-o", str(history / "own.zip"))
    assert own.exit_code == 0, own.output
    with zipfile.ZipFile(history / "own.zip") as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("selection.csv").decode())))
    assert rows[0]["found"] == f"gap: no run started on {stretch}"
    assert (rows[1]["found"], rows[1]["status"]) == ("yes", "fail")  # the exception had expired
