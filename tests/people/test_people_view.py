"""People against their accounts over several runs: the roster (a file), Google Workspace
(the real client against the Admin SDK fake) and GitHub-like accounts, evaluated by the
catalog and stored, the previous run's people view read back as history."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidra.config.loader import LoadedConfig
from evidra.model import Status
from tests.people.people_support import (
    github_user,
    one_run,
    results_of,
    roster_config,
    roster_rows,
    write_roster,
)


@pytest.fixture
def config(tmp_path: Path, settings) -> LoadedConfig:
    return roster_config(
        tmp_path,
        settings,
        aliases={"github:bobgh": "bob.builder@acme.example", "carol-gh": "carol.leaver@acme.example"},
        service_identities=["github:ci-*"],
    )


GITHUB = [github_user("bobgh"), github_user("carol-gh"), github_user("mystery-bot"), github_user("ci-deploy")]


def test_roster_history_judges_joiners_movers_leavers_and_contractors(config, tmp_path):
    first = one_run(config, GITHUB)

    orphans = results_of(first, "orphaned-accounts")
    assert orphans["people:account/github/github:acme/members/mystery-bot"].status is Status.FAIL
    assert "belongs to nobody" in orphans["people:account/github/github:acme/members/mystery-bot"].reason
    assert orphans["people:account/github/github:acme/members/ci-deploy"].status is Status.PASS  # declared
    carol_gh = orphans["people:account/github/github:acme/members/carol-gh"]
    assert carol_gh.status is Status.FAIL and "not employed (left" in carol_gh.reason

    leavers = results_of(first, "deprovisioning-deadline")
    carol_ws = next(
        r for i, r in leavers.items() if i.startswith("people:leaver/carol.leaver") and "google" in i
    )
    # Suspended (admin audit event) 20 days ago, 21 days after the end of her last day.
    assert carol_ws.status is Status.FAIL and "hours after termination" in carol_ws.reason
    carol_github = leavers["people:leaver/carol.leaver@acme.example/github/github:acme/members/carol-gh"]
    assert carol_github.status is Status.FAIL and "still has access" in carol_github.reason

    contractors = results_of(first, "third-party-access-ends")
    (dave,) = contractors.values()
    assert dave.status is Status.FAIL and "contract ended" in dave.reason

    training = results_of(first, "security-awareness-training")
    assert training["people:person/erin.newhire@acme.example"].status is Status.FAIL  # joiner, 35 days, none
    assert "missing" in training["people:person/erin.newhire@acme.example"].reason
    assert (
        training["people:person/alice.admin@acme.example"].status is Status.FAIL
    )  # yearly refresher overdue
    assert "expired" in training["people:person/alice.admin@acme.example"].reason
    assert training["people:person/it-admin@acme.example"].status is Status.PASS
    assert "people:person/carol.leaver@acme.example" not in training  # leavers are not judged

    checks = results_of(first, "background-check-before-access")
    assert checks["people:person/erin.newhire@acme.example"].status is Status.FAIL  # checked after access
    assert checks["people:person/bob.builder@acme.example"].status is Status.PASS

    coding = results_of(first, "secure-coding-training")
    assert set(coding) == {"people:person/bob.builder@acme.example"}  # the one with source-control access
    assert coding["people:person/bob.builder@acme.example"].status is Status.FAIL

    # Run 2: Bob moves to Sales; his access is what it was, within the grace period.
    write_roster(Path(config.settings.people.roster), roster_rows(bob_department="Sales"))
    second = one_run(config, GITHUB)
    movers = results_of(second, "mover-access-changed")
    (bob,) = movers.values()
    assert (
        bob.status is Status.PASS
        and "moved from Engineering to Sales" in bob.reason
        and "pending" in bob.reason
    )
    rosters = [
        o.attributes["digest"]
        for run in (first, second)
        for o in run.collection.observations
        if o.type == "hr.roster"
    ]
    assert rosters[0] != rosters[1]

    # Run 3: Carol's GitHub account is gone: removed, at the first run that saw it gone.
    third = one_run(config, [u for u in GITHUB if u.name != "carol-gh"])
    carol_github = results_of(third, "deprovisioning-deadline")[
        "people:leaver/carol.leaver@acme.example/github/github:acme/members/carol-gh"
    ]
    assert carol_github.status is Status.FAIL and "hours after termination (deleted)" in carol_github.reason
    bob = results_of(third, "mover-access-changed")["people:person/bob.builder@acme.example"]
    assert "moved from Engineering to Sales" in bob.reason  # the move is remembered, not seen again


def test_no_roster_in_the_run_is_an_error_for_the_people_view(config, tmp_path):
    Path(config.settings.people.roster).unlink()
    outcome = one_run(config, GITHUB)
    errors = [r for r in outcome.results if r.control == "orphaned-accounts"]
    assert errors and all(r.status is Status.ERROR for r in errors)
