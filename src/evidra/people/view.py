"""The people view of a run: the previous run's people history and the recorded access
reviews read from the store (when there is one), then `derive.augment` and the access
review checks. Called by every path that evaluates a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from evidra.model import Collection
from evidra.people import device_coverage
from evidra.people.derive import PROVIDER, PeopleHistory, augment
from evidra.people.devices import Seen
from evidra.people.lost_devices import TYPE as LOST
from evidra.people.lost_devices import lost_devices
from evidra.people.offboarding import TYPE as OFFBOARDING


@dataclass
class StoredPeople:
    history: PeopleHistory | None = None
    reviews: list[dict[str, Any]] = field(default_factory=list)
    revocations: dict[str, dict[str, Any]] = field(default_factory=dict)  # previous checks by id
    # Without a roster: the workstation users and devices as last stored (device_coverage).
    identities: device_coverage.Stored = field(default_factory=device_coverage.Stored)
    lost: dict[str, dict[str, Any]] = field(default_factory=dict)  # lost-device events by id


def people_view(config: Any, collection: Collection, now: datetime) -> Collection:
    devices = device_coverage.device_management_configured(config.settings.providers)
    coverage = config.settings.people is None and devices
    stored = load_stored(config.settings.database, now, identities=coverage)
    if config.settings.people is not None:
        collection = augment(collection, config.settings.people, config.parameters, now, stored.history)
    elif coverage:
        collection = device_coverage.coverage(collection, stored.identities, now)
    if devices:
        collection = lost_devices(collection, stored.lost, now)
    if stored.reviews or config.settings.people is not None:
        from evidra.model import ScopeRecord
        from evidra.people.review_checks import PROVIDER as REVIEWS
        from evidra.people.review_checks import SCOPE, review_observations

        collection.observations.extend(
            review_observations(collection, stored.reviews, stored.revocations, config.parameters, now)
        )
        # The checks' scope was "read" in this run: point-in-time answers and history find them.
        collection.scopes.append(ScopeRecord(REVIEWS, SCOPE, now, now))
    return collection


_STORED_TYPES = ("people.person", "identity.deprovisioning", OFFBOARDING, LOST, "access_review.revocation")


def load_stored(database_url: str, now: datetime, identities: bool = False) -> StoredPeople:
    """The people view and reviews as the latest stored run left them (and, with
    `identities`, the workstation users and devices); nothing without a database (a
    SQLite file that does not exist yet is not created by asking)."""
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        if path != ":memory:" and not Path(path).exists():
            return StoredPeople()
    from evidra.evidence_store.store import EvidenceStore
    from evidra.people.access_review import load_reviews

    try:
        with EvidenceStore.open(database_url) as evidence:
            stored = StoredPeople(PeopleHistory(), load_reviews(evidence.manual))
            assert stored.history is not None
            # Only the types read below: an estate's findings can be a hundred thousand.
            types = _STORED_TYPES + (("endpoint.device", "identity.user") if identities else ())
            for resource in evidence.pointintime.state_at(now, types).resources:
                if not resource.present:
                    continue
                if resource.provider == PROVIDER and resource.type == "people.person":
                    stored.history.persons[str(resource.attributes.get("email"))] = resource.attributes
                elif resource.provider == PROVIDER and resource.type == "identity.deprovisioning":
                    stored.history.leavers[resource.id] = resource.attributes
                elif resource.provider == PROVIDER and resource.type == OFFBOARDING:
                    stored.history.offboarding[resource.id] = resource.attributes
                elif resource.provider == PROVIDER and resource.type == LOST:
                    stored.lost[resource.id] = resource.attributes
                elif resource.type == "access_review.revocation":
                    stored.revocations[resource.id] = resource.attributes
                elif identities and resource.type == "endpoint.device":
                    stored.identities.devices.append(Seen.of(resource))
                elif (
                    identities
                    and resource.type == "identity.user"
                    and device_coverage.workstation_user(resource.provider, resource.attributes)
                ):
                    stored.identities.users.append(Seen.of(resource))
            return stored
    except Exception:  # no history is a first run, never a failed one
        return StoredPeople()
