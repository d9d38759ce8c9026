"""HR's roster file: CSV and JSON, the contract's columns, and bad input named precisely."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from evidra.people.roster import REQUIRED, RosterError, read_roster

HEADER = (
    "email,name,employment_type,department,manager_email,start_date,end_date,"
    "background_check_at,training_completed_at,badge"
)


def write_csv(path: Path, *rows: str, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_csv_roster_reads_every_column_and_keeps_unknown_ones(tmp_path):
    roster = read_roster(
        str(
            write_csv(
                tmp_path / "roster.csv",
                "Alice@Acme.example,Alice,employee,Eng,boss@acme.example,2025-01-06,,2024-12-20,2025-01-10;2026-01-08,A1",
                "dave@acme.example,Dave,Contractor,Ops,,2025-03-01,2026-02-28T17:00:00Z,,,",
            )
        )
    )
    alice, dave = roster.people
    assert alice.email == "alice@acme.example"  # the key accounts are matched by, lower case
    assert alice.training_completed_at == (date(2025, 1, 10), date(2026, 1, 8))
    assert alice.background_check_at == date(2024, 12, 20)
    assert alice.attributes == {"badge": "A1"}
    assert dave.employment_type == "contractor" and dave.end_date == date(2026, 2, 28)
    assert dave.manager_email is None and dave.attributes == {}
    assert alice.active_on(date(2026, 6, 1)) and not dave.active_on(date(2026, 3, 1))
    assert roster.digest.startswith("sha256:") and len(roster.digest) == 71


def test_json_roster_is_the_same_contract(tmp_path):
    rows = [
        {
            "email": "bob@acme.example",
            "name": "Bob",
            "employment_type": "vendor",
            "department": "Support",
            "manager_email": "",
            "start_date": "2025-02-01",
            "end_date": None,
            "training_completed_at": ["2025-02-03"],
        }
    ]
    (tmp_path / "roster.json").write_text(json.dumps(rows))
    (bob,) = read_roster(str(tmp_path / "roster.json")).people
    assert bob.employment_type == "vendor" and bob.training_completed_at == (date(2025, 2, 3),)
    assert bob.end_date is None


def test_digest_changes_with_the_file(tmp_path):
    first = read_roster(str(write_csv(tmp_path / "a.csv", "a@x.example,A,employee,Eng,,2025-01-01,,,,")))
    second = read_roster(str(write_csv(tmp_path / "b.csv", "a@x.example,A,employee,Ops,,2025-01-01,,,,")))
    assert first.digest != second.digest


@pytest.mark.parametrize("column", REQUIRED)
def test_a_missing_required_column_is_named(tmp_path, column):
    header = ",".join(c for c in HEADER.split(",") if c != column)
    path = write_csv(tmp_path / "roster.csv", header=header)
    with pytest.raises(RosterError, match=f"missing required column {column}"):
        read_roster(str(path))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("not-an-email,A,employee,Eng,,2025-01-01,,,,", "row 2: email 'not-an-email'"),
        ("a@x.example,A,intern,Eng,,2025-01-01,,,,", "row 2: employment_type 'intern'"),
        (
            "a@x.example,A,employee,Eng,,01/02/2025,,,,",
            "row 2: start_date '01/02/2025' is not an ISO 8601 date",
        ),
        ("a@x.example,A,employee,Eng,,2025-01-02,2024-01-01,,,", "end_date 2024-01-01 is before start_date"),
        ("a@x.example,A,employee,Eng,,2025-01-01,,,2025-13-01,", "row 2: training_completed_at"),
    ],
)
def test_bad_rows_are_named(tmp_path, row, message):
    with pytest.raises(RosterError, match=message):
        read_roster(str(write_csv(tmp_path / "roster.csv", row)))


def test_a_person_twice_is_refused(tmp_path):
    rows = ("a@x.example,A,employee,Eng,,2025-01-01,,,,", "A@x.example,A2,employee,Eng,,2025-01-01,,,,")
    with pytest.raises(RosterError, match=r"row 3: email a@x\.example appears twice"):
        read_roster(str(write_csv(tmp_path / "roster.csv", *rows)))


def test_check_exits_2_naming_the_missing_column(tmp_path):
    header = ",".join(c for c in HEADER.split(",") if c != "start_date")
    write_csv(tmp_path / "roster.csv", header=header)
    (tmp_path / "evidra.yaml").write_text(f"people:\n  roster: {tmp_path / 'roster.csv'}\n")
    result = subprocess.run(
        [sys.executable, "-m", "evidra", "check", "people", "--config", str(tmp_path / "evidra.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "missing required column start_date" in result.stderr
    assert "roster.csv" in result.stderr


def test_okta_terminations_file_is_a_roster_of_leavers(tmp_path):
    path = tmp_path / "leavers.csv"
    path.write_text(
        "user,terminated_at\nCarol@acme.example,2026-03-02T00:00:00Z\nDan@acme.example,2026-03-05T15:00:00Z\n"
    )
    carol, dan = read_roster(str(path)).people
    assert carol.email == "carol@acme.example" and carol.end_date == date(2026, 3, 1)  # midnight ends the 1st
    assert dan.end_date == date(2026, 3, 5)
    assert not carol.active_on(date(2026, 3, 2))
