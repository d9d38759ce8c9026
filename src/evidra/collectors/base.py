"""The plugin contract every collector follows, and the registry that finds them.

A collector is constructed with its provider's settings (a pydantic model from
`evidra.config`) and returns one `Collection`: observations for what it could read,
`ScopeError`s for each scope (account x region x service, subscription, project ...)
it could not. It never raises for a cloud-side failure: one unreadable scope must
not cost the rest of the run. It only reads. A collector may also split its work
into scope tasks for scale-out workers (`plan()` and `collect_scope()`, see
`evidra.collectors.scopes`).

Providers are found through the entry-point group `evidra.collectors` (name: the
provider, value: `module:CollectorClass`), the built-in ones declared in evidra's own
pyproject.toml exactly as a third-party plugin declares its own. An entry point is
loaded only when its provider runs, so a provider's SDK is imported only then
(`evidra --help` stays fast). A plugin's settings model joins config validation
through `evidra.settings` (see `evidra.config.plugins`), its controls through
`evidra.controls` (see `evidra.controls.catalog`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any, ClassVar, Protocol

from evidra.model import ApiCall, Collection, Observation
from evidra.redact import redact
from evidra.resource_models import validate

ProgressCallback = Callable[[str], None]


def announce(progress: ProgressCallback | None, units: int) -> None:
    """Tell a progress display that `units` more progress messages are coming (one per
    unit of work), so it can show a total. Optional on both sides: a display offers it
    as an `add_total(units)` method on the callback; a plain function lacks it."""
    add_total = getattr(progress, "add_total", None)
    if add_total is not None:
        add_total(units)


def observation(
    provider: str,
    scope: str,
    principal: str,
    observed_at: Any,
    type_: str,
    id_: str,
    *,
    name: str | None,
    attributes: dict[str, Any],
    raw: dict[str, Any],
    calls: list[ApiCall],
) -> Observation:
    """The one way a collector makes an observation: its attributes are checked against
    their type's declaration (a wrong type fails the reader, never a control silently),
    and its raw answers are redacted here, whichever provider they came from, before
    anything can keep or print them."""
    validate(type_, attributes)
    return Observation(
        provider=provider,
        scope=scope,
        type=type_,
        id=id_,
        name=name,
        attributes=attributes,
        raw=redact(raw),
        calls=calls,
        principal=principal,
        observed_at=observed_at,
    )


class ScopeObserver:
    """Mixin for a collector's per-scope context: a dataclass with `scope`, `principal`
    and `observed_at`, naming its provider in the class attribute `provider`.
    `observe(...)` makes an observation of that scope, through `observation`."""

    provider: ClassVar[str]
    scope: str
    principal: str
    observed_at: Any

    def observe(
        self,
        type_: str,
        id_: str,
        *,
        name: str | None,
        attributes: dict[str, Any],
        raw: dict[str, Any],
        calls: list[ApiCall],
    ) -> Observation:
        return observation(
            self.provider,
            self.scope,
            self.principal,
            self.observed_at,
            type_,
            id_,
            name=name,
            attributes=attributes,
            raw=raw,
            calls=calls,
        )


class Collector(Protocol):
    provider: str

    def __init__(self, settings: Any) -> None: ...

    def collect(self, progress: ProgressCallback | None = None) -> Collection: ...


ENTRY_POINTS = "evidra.collectors"


@cache
def _registry() -> dict[str, EntryPoint]:
    """Provider name -> its entry point, from installed metadata (nothing imported)."""
    return {point.name: point for point in entry_points(group=ENTRY_POINTS)}


def available() -> list[str]:
    return sorted(_registry())


def load(provider: str) -> type[Collector]:
    point = _registry().get(provider)
    if point is None:
        raise ValueError(f"unknown provider {provider!r}; known: {', '.join(available())}")
    collector: type[Collector] = point.load()
    return collector
