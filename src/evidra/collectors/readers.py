"""The one vocabulary every collector is written in: readers, registered for the
normalized types they produce, each run as a unit that fails alone.

A provider keeps one `ReaderRegistry`; each module of the provider (named after the
service it reads) registers its readers with `@registry.reader(name, types=...)`. The
collector runs every reader of a scope through `run_unit` (or `run_unit_async` for an
async reader): a reader that raises one of the provider's expected failures, or a bug of
ours, becomes a `ScopeError` for exactly its types, its observations dropped (a partial
population would look complete), and the other readers report as usual.

`needs` names what a reader reads beyond its own calls (GCP's shared listings);
`plane` groups readers that run against one kind of scope (Azure's per-subscription
Resource Manager readers and its per-tenant Graph readers).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from evidra.model import Observation, ScopeError, ScopeRecord, utcnow
from evidra.redact import redact_text
from evidra.spool import Spool

log = logging.getLogger(__name__)

# A reader's observations: a list, or a Spool when there can be very many (users).
Observations = list[Observation] | Spool[Observation]
Context = TypeVar("Context")
ProgressCallback = Callable[[str], None]


@dataclass(frozen=True)
class Reader(Generic[Context]):
    name: str  # "<provider>.<service>", named in errors and progress
    types: tuple[str, ...]  # the normalized types it emits
    read: Callable[[Context], Any]  # returns Observations, or an awaitable of them
    needs: tuple[str, ...] = ()
    plane: str = ""


class ReaderRegistry(Generic[Context]):
    """A provider's readers by name, in registration order."""

    def __init__(self, provider: str, *, needs: Iterable[str] = ()) -> None:
        self.provider = provider
        self.known_needs = frozenset(needs)
        self.readers: dict[str, Reader[Context]] = {}

    def reader(
        self, name: str, *, types: tuple[str, ...], needs: tuple[str, ...] = (), plane: str = ""
    ) -> Callable[[Callable[[Context], Any]], Callable[[Context], Any]]:
        def register(read: Callable[[Context], Any]) -> Callable[[Context], Any]:
            if name in self.readers:
                raise ValueError(f"reader {name!r} registered twice")
            unknown = set(needs) - self.known_needs
            if unknown:
                raise ValueError(f"reader {name!r} needs unknown inputs {sorted(unknown)}")
            self.readers[name] = Reader(name, types, read, needs, plane)
            return read

        return register

    def all(self, plane: str | None = None) -> list[Reader[Context]]:
        return [r for r in self.readers.values() if plane is None or r.plane == plane]

    def types(self, plane: str | None = None) -> tuple[str, ...]:
        return tuple(sorted({t for r in self.all(plane) for t in r.types}))


@dataclass
class UnitOutcome:
    """What one reader returned for one scope: its observations, the scope record, and
    the error (at most one) that replaced its observations."""

    observations: Observations
    record: ScopeRecord
    errors: list[ScopeError] = field(default_factory=list)


def _outcome(
    provider: str,
    reader: Reader[Any],
    scope: str,
    started: Any,
    observations: Observations,
    problem: str | None,
    progress: ProgressCallback | None,
) -> UnitOutcome:
    errors: list[ScopeError] = []
    if problem is not None:
        problem = redact_text(problem)
        observations = []
        errors.append(ScopeError(provider, scope, problem, reader.name, reader.types))
    if progress is not None:
        what = f"{scope} {reader.name}"
        progress(f"{what}: {problem}" if problem else f"{what}: {len(observations)} resource(s)")
    return UnitOutcome(observations, ScopeRecord(provider, scope, started, utcnow(), problem), errors)


def run_unit(
    provider: str,
    reader: Reader[Context],
    context: Context,
    scope: str,
    *,
    expected: tuple[type[BaseException], ...] = (),
    failure: str | None = None,
    progress: ProgressCallback | None = None,
) -> UnitOutcome:
    """Run one reader against one scope. `failure` is a failure known before reading
    (an input the reader needs could not be had): the unit fails with it unread."""
    started = utcnow()
    observations: Observations = []
    problem = failure
    if problem is None:
        try:
            observations = reader.read(context)
        except expected as exc:
            problem = f"{reader.name}: {exc}"
        except Exception as exc:  # a bug of ours must not cost the other units
            log.exception("%s reader %s failed on %s", provider, reader.name, scope)
            problem = f"{reader.name} internal error: {type(exc).__name__}: {exc}"
    return _outcome(provider, reader, scope, started, observations, problem, progress)


async def run_unit_async(
    provider: str,
    reader: Reader[Context],
    context: Context,
    scope: str,
    *,
    expected: tuple[type[BaseException], ...] = (),
    progress: ProgressCallback | None = None,
) -> UnitOutcome:
    """`run_unit` for a reader whose `read` is a coroutine function."""
    started = utcnow()
    observations: Observations = []
    problem: str | None = None
    try:
        pending: Awaitable[Observations] = reader.read(context)
        observations = await pending
    except expected as exc:
        problem = f"{reader.name}: {exc}"
    except Exception as exc:  # a bug of ours must not cost the other units
        log.exception("%s reader %s failed on %s", provider, reader.name, scope)
        problem = f"{reader.name} internal error: {type(exc).__name__}: {exc}"
    return _outcome(provider, reader, scope, started, observations, problem, progress)
