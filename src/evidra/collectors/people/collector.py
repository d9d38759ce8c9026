"""PeopleCollector: HR's roster, from a file or BambooHR, as `hr.person` and `hr.roster`
observations in scope `people:roster` (see context.py). Only the configured source's
reader runs; one that fails is a ScopeError for the roster's types (no partial roster:
it would look like a wave of leavers)."""

from __future__ import annotations

from evidra.collectors.base import ProgressCallback, announce

# Importing the reader modules registers them.
from evidra.collectors.people import bamboohr, roster_file  # noqa: F401
from evidra.collectors.people.bamboohr import BambooHrFailed
from evidra.collectors.people.context import PROVIDER, READERS, SCOPE, Context
from evidra.collectors.readers import run_unit
from evidra.collectors.secrets import CredentialError
from evidra.config.settings import PeopleSettings
from evidra.model import Collection, utcnow
from evidra.people.roster import RosterError


class PeopleCollector:
    provider = PROVIDER

    def __init__(self, settings: PeopleSettings) -> None:
        self.settings = settings

    def collect(self, progress: ProgressCallback | None = None) -> Collection:
        started = utcnow()
        if self.settings.bamboohr is not None:
            name, principal = "people.bamboohr", f"bamboohr api key for {self.settings.bamboohr.subdomain}"
        else:
            name, principal = "people.roster_file", f"file {self.settings.roster}"
        ctx = Context(self.settings, SCOPE, principal, started)
        announce(progress, 1)
        outcome = run_unit(
            PROVIDER,
            READERS.readers[name],
            ctx,
            SCOPE,
            expected=(BambooHrFailed, RosterError, CredentialError),
            progress=progress,
        )
        collection = Collection()
        outcome.add_to(collection)
        return collection
