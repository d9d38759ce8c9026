"""The demo's Okta: the local Okta fake over HTTPS, serving the demo organisation
(users with and without factors, administrators on SMS, a weak password policy,
deactivations in the System Log), the real `okta` SDK pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from evidra.config.settings import OktaSettings

TOKEN_ENV = "EVIDRA_DEMO_OKTA_TOKEN"  # noqa: S105 - the variable's name, not a token


@contextmanager
def started() -> Iterator[OktaSettings]:
    from evidra.demo.run import served
    from evidra.emulators.okta_estate import API_TOKEN, demo_org, terminations_csv
    from evidra.emulators.okta_server import FakeOkta

    with served(FakeOkta(demo_org(), API_TOKEN), "okta", {TOKEN_ENV: API_TOKEN}) as (fake, folder):
        # HR's list of leavers, so the deprovisioning deadline has something to judge.
        terminations = folder / "terminations.csv"
        terminations.write_text(terminations_csv())
        yield OktaSettings(org_url=fake.url, token_env=TOKEN_ENV, terminations_file=str(terminations))
