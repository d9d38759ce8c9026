"""The people view of a run: the previous run's people history read from the store (when
there is one), then `derive.augment`. Called by every path that evaluates a run."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from evidra.model import Collection
from evidra.people.derive import PROVIDER, PeopleHistory, augment


def people_view(config: Any, collection: Collection, now: datetime) -> Collection:
    settings = config.settings.people
    if settings is None:
        return collection
    return augment(collection, settings, config.parameters, now, load_history(config.settings.database, now))


def load_history(database_url: str, now: datetime) -> PeopleHistory | None:
    """The people view as the latest stored run left it; None without a database (a
    SQLite file that does not exist yet is not created by asking)."""
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        if path != ":memory:" and not Path(path).exists():
            return None
    from evidra.evidence_store.store import EvidenceStore

    try:
        with EvidenceStore.open(database_url) as evidence:
            state = evidence.state_at(now)
            history = PeopleHistory()
            for resource in state.resources:
                if resource.provider != PROVIDER or not resource.present:
                    continue
                if resource.type == "hr.person":
                    history.persons[str(resource.attributes.get("email"))] = resource.attributes
                elif resource.type == "identity.deprovisioning":
                    history.leavers[resource.id] = resource.attributes
            return history
    except Exception:  # no history is a first run, never a failed one
        return None
