"""What a people reader needs, and how a roster becomes observations.

A roster source (a file, an HR system's API) is one reader; whichever is configured
turns the people it read into one `hr.person` observation each and one `hr.roster`
observation for the roster itself (its digest and size), so every run records which
roster it judged and who was in it: joiners, movers and leavers are derived from that
history. Scope `people:roster` whatever the source, so a change of source keeps one
history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from evidra.collectors.base import ScopeObserver
from evidra.collectors.readers import ReaderRegistry
from evidra.config.settings import PeopleSettings
from evidra.model import ApiCall, Observation
from evidra.people.roster import Roster

PROVIDER = "people"
SCOPE = "people:roster"
TYPES = ("hr.person", "hr.roster")
READERS: ReaderRegistry[Context] = ReaderRegistry(PROVIDER)


@dataclass
class Context(ScopeObserver):
    provider: ClassVar[str] = PROVIDER
    settings: PeopleSettings
    scope: str
    principal: str
    observed_at: datetime


def person_id(email: str) -> str:
    return f"people:person/{email}"


def roster_observations(ctx: Context, roster: Roster, calls: list[ApiCall]) -> list[Observation]:
    today = ctx.observed_at.date()
    observations = []
    for person in roster.people:
        row = person.to_row()
        observations.append(
            ctx.observe(
                "hr.person",
                person_id(person.email),
                name=person.email,
                attributes={
                    **{k: v for k, v in row.items() if k != "attributes"},
                    "active": person.active_on(today),
                },
                raw={"roster_row": row},
                calls=calls,
            )
        )
    by_type: dict[str, int] = {}
    for person in roster.people:
        by_type[person.employment_type] = by_type.get(person.employment_type, 0) + 1
    observations.append(
        ctx.observe(
            "hr.roster",
            "people:roster",
            name=roster.source,
            attributes={
                "source": roster.source,
                "digest": roster.digest,
                "people": len(roster.people),
                "active": sum(p.active_on(today) for p in roster.people),
                "by_employment_type": dict(sorted(by_type.items())),
            },
            raw={"digest": roster.digest, "emails": sorted(p.email for p in roster.people)},
            calls=calls,
        )
    )
    return observations
