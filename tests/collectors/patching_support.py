"""`patch-security-current`'s verdicts on a collection's patch states, by server name
(shared by the AWS, GCP and Azure patch-state tests)."""

from __future__ import annotations

from datetime import UTC, datetime

from evidra.controls.catalog import catalog
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.model import Collection


def patch_verdicts(collection: Collection, now: datetime | None = None) -> dict[str, tuple[str, str]]:
    judged = Collection()
    judged.observations.extend(o for o in collection.observations if o.type == "compute.patch_state")
    names = {o.id: str(o.name) for o in judged.observations}
    control = catalog()["patch-security-current"]
    results = evaluate([control], judged, default_parameters(), now or datetime.now(UTC))
    return {names[r.resource.id]: (r.status.value, r.reason) for r in results}
