"""Device coverage without a roster (endpoint.mdm_enrolment): every active person of the
identity providers who signs in to a workstation has a managed computer.

With a roster, `derive.py` judges coverage per person (`device-coverage-roster`). Without
one, the people are the workstation identity providers' users (Okta, Entra ID, Google
Workspace: `people.workstation_providers`' default): one `endpoint.coverage` observation
per active human user, naming the managed computers (Jamf Pro, Intune, Google endpoint
management) whose MDM owner is the user's email or login, judged by
`device-coverage-identity`.

Judged only when device management is configured (`device_management_configured`).
A daemon reads one provider at a time: a run that read no device management takes the
devices from the latest stored state, and a run that read no identity provider takes the
users from it, so coverage is judged at every run that read either side. With neither
side ever read, the verdict is "not readable", never a pass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from evidra.model import ApiCall, Collection, Observation, ScopeRecord
from evidra.people.devices import Seen, device_failures

TYPE = "endpoint.coverage"
PROVIDER = "people"
SCOPE = "people:identity-providers"
WORKSTATION_PROVIDERS = ("okta", "azure", "google_workspace")  # PeopleSettings' default
_DERIVE = ApiCall("evidra", "people.device_coverage", {})


@dataclass
class Stored:
    users: list[Seen] = field(default_factory=list)
    devices: list[Seen] = field(default_factory=list)


def device_management_configured(providers: Any) -> bool:
    """Whether any device management is configured (Jamf Pro, Intune, Google endpoint
    management): without one there is nothing to judge coverage against, and saying
    "not readable" at every run would only hide the providers' real errors."""
    azure, workspace = getattr(providers, "azure", None), getattr(providers, "google_workspace", None)
    return (
        getattr(providers, "jamf", None) is not None
        or bool(azure is not None and getattr(azure, "intune", False))
        or bool(workspace is not None and getattr(workspace, "devices", False))
    )


def workstation_user(provider: str, attributes: Mapping[str, Any]) -> bool:
    """An active person's account on a workstation identity provider."""
    return (
        provider in WORKSTATION_PROVIDERS
        and not attributes.get("disabled")
        and attributes.get("kind") in (None, "human")
    )


def sides(collection: Collection) -> tuple[list[Seen], list[Seen]]:
    """This run's workstation users and devices."""
    users = [
        Seen.of(o)
        for o in collection.observations
        if o.type == "identity.user" and workstation_user(o.provider, o.attributes)
    ]
    return users, [Seen.of(o) for o in collection.observations if o.type == "endpoint.device"]


def coverage(collection: Collection, stored: Stored | None, now: datetime) -> Collection:
    """`stored` is needed only when the run read one side (`sides`), not both."""
    users, devices = sides(collection)
    if not users and not devices:
        return collection  # this run read neither side: nothing new to judge
    device_errors = [scope for _, scope in device_failures(collection)]
    if not devices and not device_errors and stored is not None:
        devices = stored.devices
    if not users and stored is not None:
        users = stored.users
    observations = _observations(users, devices, device_errors, now)
    if observations:
        collection.observations.extend(observations)
        collection.scopes.append(ScopeRecord(PROVIDER, SCOPE, now, now))
    return collection


def _observations(
    users: Iterable[Seen], devices: list[Seen], device_errors: list[str], now: datetime
) -> list[Observation]:
    computers: dict[str, list[str]] = defaultdict(list)
    for device in devices:
        owner = str(device.attributes.get("owner") or "").lower()
        if owner and device.attributes.get("managed") is True and device.attributes.get("kind") != "mobile":
            computers[owner].append(device.label)
    out = []
    for user in users:
        attributes = user.attributes
        login = str(attributes.get("name") or user.name).lower()
        email = str(attributes.get("email") or "").lower()
        mine = sorted({*computers.get(email, []), *computers.get(login, [])} - {""})
        judged: dict[str, Any] = {"has_managed_device": bool(mine)}
        if not devices and not device_errors:
            judged = {
                "unreadable": {"has_managed_device": "no device management (Jamf, Intune, Google) read yet"}
            }
        elif not mine and device_errors:
            failed = ", ".join(device_errors)
            judged = {"unreadable": {"has_managed_device": f"device management not readable: {failed}"}}
        out.append(
            Observation(
                provider=PROVIDER,
                scope=SCOPE,
                type=TYPE,
                id=f"people:coverage/{user.provider}/{user.id}",
                name=f"{user.provider}:{login}",
                attributes={
                    "user": email or login,
                    "provider": user.provider,
                    "account": login,
                    "account_ref": user.ref,
                    "managed_devices": mine,
                    **judged,
                },
                raw={"account": user.ref},
                calls=[_DERIVE],
                principal="evidra",
                observed_at=now,
            )
        )
    return out
