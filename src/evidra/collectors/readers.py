"""The one vocabulary every collector is written in: readers, registered for the
normalized types they produce, each run as a unit that fails alone.

A provider keeps one `ReaderRegistry`; each module of the provider (named after the
service it reads) registers its readers with `@registry.reader(name, types=...)`. The
collector runs every reader of a scope through `run_unit` (or `run_unit_async` for an
async reader): a reader that raises one of the provider's expected failures, or a bug of
ours, becomes a `ScopeError` for exactly its types, its observations dropped (a partial
population would look complete), and the other readers report as usual. `run_all` runs
every reader of a registry against one scope so; `unreadable_scope` is the one error for
every type when nothing of a scope could be read (its credential was refused).

`needs` names what a reader reads beyond its own calls (GCP's shared listings);
`plane` groups readers that run against one kind of scope (Azure's per-subscription
Resource Manager readers and its per-tenant Graph readers, AWS's global and regional
readers); `service` is what an error names when it is not the reader's name (AWS errors
name the boto3 service: `kms`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from evidra.model import Collection, MalformedAnswer, Observation, ScopeError, ScopeRecord, utcnow
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
    service: str = ""

    @property
    def label(self) -> str:
        """What errors name the reader by."""
        return self.service or self.name


class ReaderRegistry(Generic[Context]):
    """A provider's readers by name, in registration order."""

    def __init__(self, provider: str, *, needs: Iterable[str] = ()) -> None:
        self.provider = provider
        self.known_needs = frozenset(needs)
        self.readers: dict[str, Reader[Context]] = {}

    def reader(
        self,
        name: str,
        *,
        types: tuple[str, ...],
        needs: tuple[str, ...] = (),
        plane: str = "",
        service: str = "",
    ) -> Callable[[Callable[[Context], Any]], Callable[[Context], Any]]:
        def register(read: Callable[[Context], Any]) -> Callable[[Context], Any]:
            if name in self.readers:
                raise ValueError(f"reader {name!r} registered twice")
            unknown = set(needs) - self.known_needs
            if unknown:
                raise ValueError(f"reader {name!r} needs unknown inputs {sorted(unknown)}")
            self.readers[name] = Reader(name, types, read, needs, plane, service)
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

    def add_to(self, collection: Collection) -> None:
        collection.observations.extend(self.observations)
        collection.errors.extend(self.errors)
        collection.scopes.append(self.record)


def run_all(
    registry: ReaderRegistry[Context],
    context: Context,
    scope: str,
    collection: Collection,
    *,
    expected: tuple[type[BaseException], ...] = (),
    progress: ProgressCallback | None = None,
) -> Collection:
    """Every reader of `registry` against one scope, in registration order, each as a
    unit (`run_unit`), their outcomes added to `collection`."""
    from evidra.collectors.base import announce

    announce(progress, len(registry.all()))
    for reader in registry.all():
        run_unit(registry.provider, reader, context, scope, expected=expected, progress=progress).add_to(
            collection
        )
    return collection


def unreadable_scope(
    collection: Collection, registry: ReaderRegistry[Any], scope: str, started: datetime, message: str
) -> Collection:
    """The whole scope as one error for every type the registry's readers produce, read
    by none of them (its credential was refused, its first read failed)."""
    message = redact_text(message)
    provider = registry.provider
    collection.errors.append(ScopeError(provider, scope, message, provider, registry.types()))
    collection.scopes.append(ScopeRecord(provider, scope, started, utcnow(), message))
    return collection


def _outcome(
    provider: str,
    reader: Reader[Any],
    scope: str,
    started: Any,
    observations: Observations,
    problems: list[str],
    failed: bool,
    progress: ProgressCallback | None,
) -> UnitOutcome:
    """`problems`: why the read failed (`failed`: its observations are dropped) and what
    it stepped over (it keeps them); the unit's error names the first and counts the rest."""
    errors: list[ScopeError] = []
    problem: str | None = None
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        problem = redact_text(problems[0] + more)
        if failed:
            observations = []
        errors.append(ScopeError(provider, scope, problem, reader.label, reader.types))
    if progress is not None:
        what = f"{scope} {reader.name}"
        progress(f"{what}: {problem}" if problem else f"{what}: {len(observations)} resource(s)")
    return UnitOutcome(observations, ScopeRecord(provider, scope, started, utcnow(), problem), errors)


def _describe(reader: Reader[Any], exc: BaseException) -> str:
    return f"{reader.name}: {exc}"


def _problem(
    provider: str,
    reader: Reader[Any],
    scope: str,
    exc: Exception,
    expected: tuple[type[BaseException], ...],
    describe: Callable[[BaseException], str] | None,
) -> str:
    """Why a read raised, in words (called inside the `except`, so a bug is logged with
    its traceback)."""
    if isinstance(exc, MalformedAnswer):
        return _describe(reader, exc)
    if isinstance(exc, expected):
        return describe(exc) if describe else _describe(reader, exc)
    # A bug of ours: it must not cost the other units.
    log.exception("%s reader %s failed on %s", provider, reader.name, scope)
    return f"{reader.label} internal error: {type(exc).__name__}: {exc}"


def run_unit(
    provider: str,
    reader: Reader[Context],
    context: Context,
    scope: str,
    *,
    expected: tuple[type[BaseException], ...] = (),
    failure: str | None = None,
    progress: ProgressCallback | None = None,
    describe: Callable[[BaseException], str] | None = None,
    stepped_over: Callable[[], list[str]] | None = None,
) -> UnitOutcome:
    """Run one reader against one scope. `failure` is a failure known before reading
    (an input the reader needs could not be had): the unit fails with it unread.
    `describe` words an expected failure (default: the reader's name, then the error).
    `stepped_over` returns, after the read, the problems the reader chose to step over
    (one resource denying us must not hide the others): the unit keeps its observations
    and reports an error all the same."""
    started = utcnow()
    observations: Observations = []
    problems = [failure] if failure is not None else []
    if failure is None:
        try:
            observations = reader.read(context)
        except Exception as exc:
            problems.append(_problem(provider, reader, scope, exc, expected, describe))
    failed = bool(problems)
    if stepped_over is not None:
        problems.extend(stepped_over())
    return _outcome(provider, reader, scope, started, observations, problems, failed, progress)


async def run_unit_async(
    provider: str,
    reader: Reader[Context],
    context: Context,
    scope: str,
    *,
    expected: tuple[type[BaseException], ...] = (),
    progress: ProgressCallback | None = None,
    describe: Callable[[BaseException], str] | None = None,
) -> UnitOutcome:
    """`run_unit` for a reader whose `read` is a coroutine function."""
    started = utcnow()
    observations: Observations = []
    problems: list[str] = []
    try:
        pending: Awaitable[Observations] = reader.read(context)
        observations = await pending
    except Exception as exc:
        problems.append(_problem(provider, reader, scope, exc, expected, describe))
    return _outcome(provider, reader, scope, started, observations, problems, bool(problems), progress)
