"""Issue 19's leaver whose GitHub account survives, through the real GitHub collector
(githubkit against the GitHub fake), the roster and Google Workspace, judged by the
catalog: the organisation's members are `identity.user` accounts matched to the roster
by their SAML identity's email, else their public email, else the alias map."""

from __future__ import annotations

from pathlib import Path

from evidra.config.loader import LoadedConfig
from evidra.config.settings import PeopleSettings, Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.requirements import default_parameters
from evidra.emulators.github_server import FakeGitHub
from evidra.model import Status
from evidra.runner import run
from tests.collectors.github import conftest as github_fake
from tests.collectors.github.conftest import github  # noqa: F401 - the fixture
from tests.people.people_support import results_of, roster_rows, write_roster


def test_a_leavers_surviving_github_account_fails_deprovisioning(
    github: FakeGitHub,  # noqa: F811 - the fixture
    settings,  # Google Workspace's (tests/people/conftest.py)
    tmp_path: Path,
) -> None:
    # Carol left 22 days ago; her GitHub account is still a member, linked by SAML single sign-on.
    github.org.saml_identities = [{"login": "carol", "name_id": "carol.leaver@acme.example"}]
    config = LoadedConfig(
        Settings(
            database=f"sqlite:///{tmp_path / 'evidra.db'}",
            providers=Providers(
                google_workspace=settings, github=github_fake.settings(github, tmp_path / "github")
            ),
            people=PeopleSettings(
                roster=str(write_roster(tmp_path / "roster.csv", roster_rows())),
                aliases={"github:bob": "bob.builder@acme.example"},  # a login that is no address
            ),
        ),
        None,
        default_parameters(),
    )
    outcome = run(config, select(None), ["google_workspace", "people", "github"])
    assert not [e for e in outcome.collection.errors if e.provider == "github"]

    leavers = results_of(outcome, "deprovisioning-deadline")
    (carol,) = [r for i, r in leavers.items() if i.startswith("people:leaver/carol.leaver") and "github" in i]
    assert carol.status is Status.FAIL and "still has access" in carol.reason
    orphans = results_of(outcome, "orphaned-accounts")
    github_accounts = {i.rsplit("/", 1)[-1]: r for i, r in orphans.items() if "/github/" in i}
    assert github_accounts["bob"].status is Status.PASS  # Bob's, by the alias map
    assert github_accounts["frank"].status is Status.FAIL  # no SAML, no public email, no alias
    assert "belongs to nobody" in github_accounts["frank"].reason
