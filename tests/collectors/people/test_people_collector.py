"""The roster as evidence: a file and BambooHR (PyBambooHR against a local HTTPS fake of
its custom-report API), one `hr.person` per person and one `hr.roster` with the digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidra.collectors.people.collector import PeopleCollector
from evidra.config.settings import BambooHrSettings, PeopleSettings
from evidra.emulators.bamboohr_server import FakeBambooHr

EMPLOYEES = [
    {
        "id": 1,
        "workEmail": "Ana@acme.example",
        "displayName": "Ana",
        "employmentHistoryStatus": "Full-Time",
        "department": "Engineering",
        "supervisorEId": None,
        "hireDate": "2024-01-08",
        "terminationDate": None,
        "status": "Active",
        "customBackgroundCheck": "2023-12-20",
        "customSecurityTraining": "2024-01-09",
    },
    {
        "id": 2,
        "workEmail": "ben@acme.example",
        "displayName": "Ben",
        "employmentHistoryStatus": "Contractor",
        "department": "Engineering",
        "supervisorEId": 1,
        "hireDate": "2025-05-01",
        "terminationDate": "2026-01-31",
        "status": "Inactive",
        "customBackgroundCheck": None,
        "customSecurityTraining": None,
    },
    {
        "id": 3,
        "workEmail": None,
        "displayName": "Future Hire",
        "employmentHistoryStatus": "Full-Time",
        "department": "Sales",
        "supervisorEId": 1,
        "hireDate": "2027-01-01",
        "terminationDate": None,
        "status": "Active",
    },
]


@pytest.fixture
def bamboo(monkeypatch):
    with FakeBambooHr("acme", "k3y-of-bamboo", EMPLOYEES) as fake:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.cert_file))
        monkeypatch.setenv("BAMBOO_KEY", "k3y-of-bamboo")
        yield fake


def bamboo_settings(fake: FakeBambooHr, **changes) -> PeopleSettings:
    hr = {
        "subdomain": "acme",
        "api_key_env": "BAMBOO_KEY",
        "api_endpoint": fake.url,
        "fields": {
            "background_check_at": "customBackgroundCheck",
            "training_completed_at": "customSecurityTraining",
        },
        "max_attempts": 3,
        **changes,
    }
    return PeopleSettings(bamboohr=BambooHrSettings(**hr))


def test_bamboohr_roster_through_pybamboohr(bamboo):
    collection = PeopleCollector(bamboo_settings(bamboo)).collect()
    assert collection.errors == []
    people = {o.attributes["email"]: o for o in collection.observations if o.type == "hr.person"}
    assert set(people) == {"ana@acme.example", "ben@acme.example"}  # no work email: nobody to match
    ben = people["ben@acme.example"].attributes
    assert ben["employment_type"] == "contractor" and ben["end_date"] == "2026-01-31"
    assert ben["manager_email"] == "ana@acme.example"  # supervisor's employee id -> their email
    assert people["ana@acme.example"].attributes["training_completed_at"] == ["2024-01-09"]
    assert people["ana@acme.example"].attributes["background_check_at"] == "2023-12-20"
    (roster,) = [o for o in collection.observations if o.type == "hr.roster"]
    assert roster.attributes["people"] == 2 and roster.attributes["source"] == "bamboohr:acme"
    assert "customSecurityTraining" in bamboo.requests[0] and "workEmail" in bamboo.requests[0]
    assert "k3y-of-bamboo" not in repr(list(collection.observations))


def test_bamboohr_throttling_is_waited_out(bamboo):
    bamboo.add_fault("reports/custom", "throttle", times=1)
    collection = PeopleCollector(bamboo_settings(bamboo)).collect()
    assert collection.errors == [] and len(bamboo.requests) == 1  # the throttled one never got to the report


def test_bamboohr_refusing_the_key_is_an_error_for_the_roster_types(bamboo, monkeypatch):
    monkeypatch.setenv("BAMBOO_KEY", "wrong")
    collection = PeopleCollector(bamboo_settings(bamboo)).collect()
    (error,) = collection.errors
    assert "HTTP 401" in error.message and set(error.types) == {"hr.person", "hr.roster"}
    assert list(collection.observations) == []


def test_bamboohr_malformed_answers_are_asked_again_then_fail(bamboo):
    bamboo.add_fault("reports/custom", "malformed")
    collection = PeopleCollector(bamboo_settings(bamboo)).collect()
    (error,) = collection.errors
    assert "not JSON" in error.message


def test_roster_file_reader(tmp_path: Path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "email,name,employment_type,department,manager_email,start_date,end_date\n"
        "a@acme.example,A,employee,Eng,,2025-01-01,\n"
    )
    collection = PeopleCollector(PeopleSettings(roster=str(roster))).collect()
    types = sorted(o.type for o in collection.observations)
    assert types == ["hr.person", "hr.roster"]
    (person,) = [o for o in collection.observations if o.type == "hr.person"]
    assert person.id == "people:person/a@acme.example" and person.attributes["active"] is True
    assert person.scope == "people:roster"
