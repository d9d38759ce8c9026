"""HR's roster exported as a file (`people.roster`): CSV or JSON, see evidra.people.roster."""

from __future__ import annotations

from evidra.collectors.people.context import READERS, TYPES, Context, roster_observations
from evidra.model import ApiCall, Observation
from evidra.people.roster import read_roster


@READERS.reader("people.roster_file", types=TYPES)
def read_roster_file(ctx: Context) -> list[Observation]:
    path = ctx.settings.roster or ""
    roster = read_roster(path)
    return roster_observations(
        ctx, roster, [ApiCall("file", "read", {"path": path, "digest": roster.digest})]
    )
