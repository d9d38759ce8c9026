"""A run as the runner makes one, with GitHub-like accounts built here beside the real
collectors, so a history of runs can add and remove them at will; the people view joins
`identity.user` observations whoever makes them (the real GitHub collector's members:
test_source_control_members.py)."""

from __future__ import annotations

import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from evidra.collectors.base import observation
from evidra.config.loader import LoadedConfig
from evidra.config.settings import GoogleWorkspaceSettings, PeopleSettings, Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.model import Collection, Observation, ScopeError, ScopeRecord, utcnow
from evidra.people.view import people_view
from evidra.runner import RunOutcome, collect_provider, store

HEADER = (
    "email,name,employment_type,department,manager_email,start_date,end_date,"
    "background_check_at,training_completed_at"
)


def days_ago(days: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days)).isoformat()


def roster_rows(bob_department: str = "Engineering") -> list[str]:
    return [
        f"it-admin@acme.example,IT Admin,employee,IT,,{days_ago(900)},,{days_ago(905)},{days_ago(100)}",
        f"alice.admin@acme.example,Alice,employee,IT,it-admin@acme.example,{days_ago(700)},,{days_ago(710)},{days_ago(400)}",
        f"bob.builder@acme.example,Bob,employee,{bob_department},it-admin@acme.example,{days_ago(400)},,{days_ago(410)},{days_ago(30)}",
        f"carol.leaver@acme.example,Carol,employee,Sales,,{days_ago(500)},{days_ago(22)},{days_ago(505)},{days_ago(200)}",
        f"dave.contractor@acme.example,Dave,contractor,Engineering,,{days_ago(200)},{days_ago(5)},{days_ago(210)},{days_ago(190)}",
        f"erin.newhire@acme.example,Erin,employee,Engineering,bob.builder@acme.example,{days_ago(35)},,{days_ago(5)},",
    ]


def write_roster(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def github_user(login: str, *, disabled: bool = False) -> Observation:
    return observation(
        "github",
        "github:acme",
        "test",
        utcnow(),
        "identity.user",
        f"github:acme/members/{login}",
        name=login,
        attributes={
            "name": login,
            "kind": "human",
            "disabled": disabled,
            "created": days_ago(30) + "T00:00:00Z",
        },
        raw={"login": login},
        calls=[],
    )


def one_run(
    config: LoadedConfig,
    extra: list[Observation],
    now: datetime | None = None,
    errors: list[ScopeError] | None = None,
    more: Collection | None = None,
    providers: tuple[str, ...] = ("google_workspace", "people"),
) -> RunOutcome:
    started = utcnow()
    collection = Collection()
    for provider in providers:
        collection.extend(collect_provider(config, provider, None))
    if more is not None:  # another collector's whole answer: observations, scopes, errors
        collection.extend(more)
    collection.observations.extend(extra)
    collection.errors.extend(errors or [])
    collection.scopes.append(ScopeRecord("github", "github:acme", started, utcnow()))
    finished = now or utcnow()
    collection = people_view(config, collection, finished)
    controls = select(None)
    outcome = RunOutcome(
        id=str(uuid.uuid4()),
        started_at=started,
        finished_at=finished,
        providers=[*providers, "github"],
        controls=controls,
        collection=collection,
        results=evaluate(controls, collection, config.parameters, finished, []),
        parameters=config.parameters,
    )
    store(outcome, config.settings.database)
    return outcome


def results_of(outcome: RunOutcome, control: str) -> dict[str, Any]:
    return {r.resource.id: r for r in outcome.results if r.control == control}


def today() -> date:
    return datetime.now(UTC).date()


def package_files(database: str, tmp_path: Path, now: datetime | None = None) -> dict[str, str]:
    """The `people/` files of the package of this year up to `now`'s day."""
    from datetime import date

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from evidra.controls.catalog import select
    from evidra.evidence_store.store import EvidenceStore
    from evidra.model import utcnow
    from evidra.reports.package import build
    from evidra.reports.period import Period

    now = now or utcnow()
    today = now.date()
    target = tmp_path / "package.zip"
    with EvidenceStore.open(database) as store:
        build(
            store,
            Period(date(today.year, 1, 1), today),
            select(None),
            Ed25519PrivateKey.generate(),
            target,
            now=now,
        )
    with zipfile.ZipFile(target) as archive:
        return {n: archive.read(n).decode() for n in archive.namelist() if n.startswith("people/")}


def roster_config(tmp_path: Path, workspace: GoogleWorkspaceSettings, **people: Any) -> LoadedConfig:
    """The test roster in `tmp_path`, Google Workspace (the Admin SDK fake) and SQLite
    there; `people` adds PeopleSettings keys (aliases, service_identities)."""
    roster = write_roster(tmp_path / "roster.csv", roster_rows())
    return LoadedConfig(
        Settings(
            database=f"sqlite:///{tmp_path / 'evidra.db'}",
            providers=Providers(google_workspace=workspace),
            people=PeopleSettings(roster=str(roster), **people),
        ),
        None,
        default_parameters(),
    )
