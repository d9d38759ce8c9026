"""An access review end to end: exported from the latest evidence (the real command line),
decided in the sheet, recorded (a tampered sheet refused, exit 2), and its revocations
checked by later runs."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from evidra.config.loader import LoadedConfig
from evidra.model import Status
from tests.people.people_support import (
    github_user,
    one_run,
    package_files,
    results_of,
    roster_config,
)


def evidra(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "evidra", *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def config(tmp_path: Path, settings) -> LoadedConfig:
    return roster_config(tmp_path, settings, aliases={"github:bobgh": "bob.builder@acme.example"})


def decide(path: Path, decisions: dict[str, str]) -> None:
    book = load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[2]]
    for row in sheet.iter_rows(min_row=3):
        account = row[header.index("account")].value
        row[header.index("decision")].value = decisions.get(account, "keep")
        row[header.index("comment")].value = "left the team" if decisions.get(account) == "revoke" else None
    book.save(path)


def test_review_exported_decided_recorded_and_its_revocations_checked(config, workspace, tmp_path):
    database = config.settings.database
    first = one_run(config, [github_user("bobgh"), github_user("ghost")])
    cadence = results_of(first, "access-review-cadence")["access_review:cadence/all"]
    assert cadence.status is Status.FAIL and "no access review recorded" in cadence.reason

    sheet = tmp_path / "review.xlsx"
    started = evidra(
        "access-review",
        "start",
        "--scope",
        "google_workspace",
        "--scope",
        "github",
        "--reviewer",
        "ciso@acme.example",
        "-o",
        str(sheet),
        "--database",
        database,
    )
    assert started.returncode == 0, started.stderr
    book = load_workbook(sheet)
    rows = list(book.active.iter_rows(min_row=3, values_only=True))
    header = [c.value for c in book.active[2]]
    accounts = {r[header.index("account")]: r for r in rows}
    # Enabled accounts only (Carol's suspended one is not to review), with owner and privileges.
    assert set(accounts) == {
        "it-admin@acme.example",
        "alice.admin@acme.example",
        "bob.builder@acme.example",
        "dave.contractor@acme.example",
        "erin.newhire@acme.example",
        "bobgh",
        "ghost",
    }
    assert accounts["bobgh"][header.index("owner")] == "bob.builder@acme.example"
    assert accounts["it-admin@acme.example"][header.index("privileged")] == "yes"
    assert accounts["ghost"][header.index("owner_status")] == "unknown"

    decide(sheet, {"ghost": "revoke", "dave.contractor@acme.example": "revoke"})

    # A row altered outside the decision columns is refused, naming it.
    tampered = tmp_path / "tampered.xlsx"
    book = load_workbook(sheet)
    header = [c.value for c in book.active[2]]
    book.active.cell(row=4, column=header.index("privileged") + 1, value="maybe")
    book.save(tampered)
    refused = evidra("access-review", "record", str(tampered), "--database", database)
    assert refused.returncode == 2 and "line 4" in refused.stderr and "decision columns" in refused.stderr
    # A removed row too.
    shortened = tmp_path / "shortened.xlsx"
    book = load_workbook(sheet)
    book.active.delete_rows(5)
    book.save(shortened)
    refused = evidra("access-review", "record", str(shortened), "--database", database)
    assert refused.returncode == 2 and "rows were removed" in refused.stderr

    recorded = evidra(
        "access-review", "record", str(sheet), "--reviewer", "ciso@acme.example", "--database", database
    )
    assert recorded.returncode == 0, recorded.stderr
    assert "2 revoke" in recorded.stdout

    again = evidra("access-review", "record", str(sheet), "--database", database)
    assert again.returncode == 2 and "already recorded" in again.stderr

    # The next run: `ghost` is gone from GitHub, Dave's Workspace account still active.
    second = one_run(config, [github_user("bobgh")])
    revocations = [r for r in second.results if r.control == "access-review-revocations-executed"]
    (ghost,) = [r for r in revocations if "ghost on github" in r.reason]
    assert ghost.status is Status.PASS and "executed" in ghost.reason
    (dave,) = [r for r in revocations if "dave.contractor" in r.reason]
    assert dave.status is Status.PASS and "pending" in dave.reason  # within the 14 days
    cadence = results_of(second, "access-review-cadence")["access_review:cadence/all"]
    assert cadence.status is Status.PASS and "ciso@acme.example" in cadence.reason
    privileged = results_of(second, "access-review-privileged")["access_review:cadence/privileged"]
    assert privileged.status is Status.PASS

    # A third run keeps the removal time the second one saw first.
    third = one_run(config, [github_user("bobgh")])
    executed_at = [
        o.attributes["executed_at"]
        for run in (second, third)
        for o in run.collection.observations
        if o.type == "access_review.revocation" and o.attributes["account"] == "ghost"
    ]
    assert len(executed_at) == 2 and executed_at[0] == executed_at[1] is not None

    # The auditor's package: the period's joiners, movers, leavers and reviews with follow-up.
    files = package_files(database, tmp_path)
    leavers = {
        (r["email"], r["provider"]): r for r in csv.DictReader(io.StringIO(files["people/leavers.csv"]))
    }
    carol = leavers[("carol.leaver@acme.example", "google_workspace")]
    assert carol["status"] == "late" and float(carol["hours_late"]) > 0 and carol["deadline_hours"] == "24"
    assert leavers[("dave.contractor@acme.example", "google_workspace")]["status"] == "not removed"
    joiners = {j["email"]: j for j in csv.DictReader(io.StringIO(files["people/joiners.csv"]))}
    assert set(joiners) == {"erin.newhire@acme.example", "dave.contractor@acme.example"}  # started this year
    erin = joiners["erin.newhire@acme.example"]
    assert erin["security_training"] == "missing" and erin["background_check_before_access"] == "False"
    assert erin["accounts"] == "google_workspace:erin.newhire@acme.example"
    decisions = list(csv.DictReader(io.StringIO(files["people/access_review_decisions.csv"])))
    follow = {d["account"]: d for d in decisions if d["decision"] == "revoke"}
    assert follow["ghost"]["follow_up"] == "executed" and follow["ghost"]["reviewer"] == "ciso@acme.example"
    assert follow["dave.contractor@acme.example"]["follow_up"] == "pending"
    (review,) = csv.DictReader(io.StringIO(files["people/access_reviews.csv"]))
    assert review["revoke"] == "2" and review["keep"] == "5"
    assert json.loads(files["people/summary.json"])["revocations_executed"] == 1


def test_csv_review_and_a_missing_decision(config, workspace, tmp_path):
    one_run(config, [])
    sheet = tmp_path / "review.csv"
    assert (
        evidra("access-review", "start", "-o", str(sheet), "--database", config.settings.database).returncode
        == 0
    )
    lines = list(csv.reader(sheet.open()))
    assert lines[0][0] == "evidra_access_review" and lines[1][-2:] == ["decision", "comment"]
    refused = evidra("access-review", "record", str(sheet), "--database", config.settings.database)
    assert refused.returncode == 2 and "line 3" in refused.stderr and "no decision" in refused.stderr
    lines.append(lines[2][:])  # a duplicated row
    for line in lines[2:]:
        line[-2] = "keep"
    with sheet.open("w", newline="") as handle:
        csv.writer(handle).writerows(lines)
    refused = evidra("access-review", "record", str(sheet), "--database", config.settings.database)
    assert refused.returncode == 2 and "duplicated" in refused.stderr
