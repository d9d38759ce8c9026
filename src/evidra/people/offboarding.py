"""Leavers' devices (endpoint.offboarding_wipe): an event per leaver and device.

A person who left must not keep a managed device holding company data: it is wiped,
retired (company data removed, the selective wipe of a personal device), unenrolled,
reassigned to someone else (returned), or gone from device management within the
deadline after termination. Each of a leaver's
devices (any kind: a phone carries mail too) gives one `endpoint.offboarding` event,
from the termination to the time the device was first seen cleared, judged by the
`device-offboarding-wipe` control as `identity.deprovisioning` is for accounts.

When: the MDMs answer a device's state, not when it changed, so a device is cleared at
the first run that saw it so (a run that read its MDM); one already cleared when first
seen has no time, and the control says that the time is not evidenced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from evidra.model import ApiCall, Observation, iso
from evidra.people.devices import Seen

TYPE = "endpoint.offboarding"
# The MDM states that say company data is being or has been removed (endpoint.device's
# `management_state`, normalized by each collector).
CLEARING_STATES = {
    "wipe_pending": "wipe",
    "wiped": "wipe",
    "retire_pending": "retire",
    "retired": "retire",
    "delete_pending": "removed",
}


@dataclass(frozen=True, slots=True)
class Leaver:
    email: str
    terminated_at: datetime
    employment_type: Any


def clearing(device: Mapping[str, Any] | None) -> str | None:
    """How company data left the device, or None while it is still managed with it."""
    if device is None:
        return "removed"  # gone from device management
    state = CLEARING_STATES.get(str(device.get("management_state") or ""))
    if state:
        return state
    if device.get("managed") is False:
        return "unenrolled"
    return None


def offboarding_events(
    leaver: Leaver,
    devices: Iterable[Seen],
    previous: Mapping[str, Mapping[str, Any]],
    read: set[str],
    everyone: Mapping[str, Seen],
    now: datetime,
    call: ApiCall,
) -> list[Observation]:
    """One event per device the leaver holds now or held at an earlier run. `previous`
    is the earlier events by id; `read` the device management scopes (`provider|scope`)
    this run read in full: a device missing from one of them is gone, from any other
    (not read, or failed) nothing new is known. `everyone` is every device of the run by
    ref: one the leaver held that now has another owner was returned and reassigned."""
    present = {d.ref: d for d in devices}
    earlier = {str(v.get("device_ref")): v for v in previous.values() if v.get("user") == leaver.email}
    out = []
    for ref in sorted(set(present) | set(earlier)):
        seen = present.get(ref)
        provider, scope, native = ([*ref.split("|", 2), "", ""])[:3]
        if seen is None and f"{provider}|{scope}" not in read:
            continue
        ident = f"people:offboarding/{leaver.email}/{provider}/{native}"
        before = previous.get(ident, {})
        how = (
            "reassigned" if seen is None and ref in everyone else clearing(seen.attributes if seen else None)
        )
        if how is not None and before.get("cleared"):
            how = before.get("cleared_by") or how  # as first seen: unenrolled, then deleted, stays unenrolled
        cleared_at = None
        if how is not None:
            if before.get("cleared_at"):
                cleared_at = before["cleared_at"]
            elif before and not before.get("cleared"):
                cleared_at = iso(now)  # first seen cleared by this run: cleared by then
        cleared_time = datetime.fromisoformat(cleared_at) if cleared_at else None
        label = seen.label if seen else str(before.get("device") or f"{provider}:{native}")
        attributes = seen.attributes if seen else {}
        out.append(
            Observation(
                provider="people",
                scope="people:roster",
                type=TYPE,
                id=ident,
                name=f"{leaver.email} on {label}",
                attributes={
                    "user": leaver.email,
                    "employment_type": leaver.employment_type,
                    "device": label,
                    "device_ref": ref,
                    "kind": attributes.get("kind", before.get("kind")),
                    "terminated_at": iso(leaver.terminated_at),
                    "cleared": how is not None,
                    "cleared_by": how,
                    "cleared_at": cleared_at,
                    "hours_to_clear": (
                        round((cleared_time - leaver.terminated_at).total_seconds() / 3600, 1)
                        if cleared_time
                        else None
                    ),
                    # Only while the device holds data: a cleared device's event stops changing.
                    "hours_since_termination": (
                        None if how else round((now - leaver.terminated_at).total_seconds() / 3600, 1)
                    ),
                },
                raw={"person": {"email": leaver.email}, "device": ref},
                calls=[call],
                principal="evidra",
                observed_at=now,
            )
        )
    return out
