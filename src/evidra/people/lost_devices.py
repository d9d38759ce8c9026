"""Lost devices (endpoint.lost_device_response): an event per device marked lost, from the
first run that saw it marked lost to the first run that saw it wiped, retired,
unenrolled, gone from device management, or recovered (no longer marked lost).

Marking a device lost is its remote lock (Jamf's Lost Mode locks an iPhone or iPad until
it is disabled), so the lock is evidenced by the state itself; the wipe must follow
within `endpoint.lost_device_response.wipe_within_days` (the control measures it at the
run's time, so a pending event's snapshot does not change from run to run). The MDMs answer states, not
when they changed: the times are those of the runs that first saw them, accurate to the
collection schedule. A device whose device management was not read in a run keeps its
event as the previous run left it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from evidra.model import ApiCall, Collection, Observation, ScopeRecord, iso
from evidra.people.devices import Seen, devices_read
from evidra.people.offboarding import clearing

TYPE = "endpoint.lost_device"
PROVIDER = "people"
SCOPE = "people:devices"
_DERIVE = ApiCall("evidra", "people.lost_devices", {})


def lost_devices(
    collection: Collection, previous: Mapping[str, Mapping[str, Any]], now: datetime
) -> Collection:
    """Append this run's lost-device events. `previous` is the stored events by id."""
    devices = {d.ref: d for d in (Seen.of(o) for o in collection.observations if o.type == "endpoint.device")}
    read = devices_read(collection)
    if not devices and not previous:
        return collection
    out = []
    refs = {ref for ref, d in devices.items() if d.attributes.get("lost_mode") is True}
    refs |= {str(v.get("device_ref")) for v in previous.values() if v.get("device_ref")}
    for ref in sorted(refs):
        provider, scope, native = ([*ref.split("|", 2), "", ""])[:3]
        ident = f"people:lost/{provider}/{native}"
        before = previous.get(ident, {})
        if f"{provider}|{scope}" not in read:
            if before:  # not read this run: the event as the previous run left it
                out.append(_event(ident, dict(before), now))
            continue
        seen = devices.get(ref)
        if before.get("cleared"):
            out.append(_event(ident, dict(before), now))  # resolved events stay put
            continue
        if seen is None:
            how: str | None = "removed"
        elif seen.attributes.get("lost_mode") is not True and before:
            how = "recovered"
        else:
            how = clearing(seen.attributes)
        lost_at = before.get("lost_at") or iso(now)
        cleared_at = iso(now) if how else None  # first seen cleared by this run
        lost_time = datetime.fromisoformat(str(lost_at))
        attributes = {
            "device": seen.label if seen else str(before.get("device") or ref),
            "device_ref": ref,
            "owner": (seen.attributes.get("owner") if seen else before.get("owner")) or None,
            "lost_at": lost_at,
            "cleared": how is not None,
            "cleared_by": how,
            "cleared_at": cleared_at,
            "hours_to_clear": (
                round((datetime.fromisoformat(cleared_at) - lost_time).total_seconds() / 3600, 1)
                if cleared_at
                else None
            ),
        }
        out.append(_event(ident, attributes, now))
    if out:
        collection.observations.extend(out)
        collection.scopes.append(ScopeRecord(PROVIDER, SCOPE, now, now))
    return collection


def _event(ident: str, attributes: dict[str, Any], now: datetime) -> Observation:
    return Observation(
        provider=PROVIDER,
        scope=SCOPE,
        type=TYPE,
        id=ident,
        name=f"lost {attributes.get('device')}",
        attributes=attributes,
        raw={"device": attributes.get("device_ref")},
        calls=[_DERIVE],
        principal="evidra",
        observed_at=now,
    )
