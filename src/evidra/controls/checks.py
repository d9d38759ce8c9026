"""Registered Python checks: the escape hatch for the rare control the condition
language cannot express. A control names one in its YAML (`- {call: name}`); the
function gets the resource's attributes, the policy parameters in force and the
evaluation time, and returns None when the check holds, else the reason it fails.

    @check("name", reads=("attr", ...), parameters=("req.param", ...))
    def name(attributes, parameters, now) -> str | None: ...

`reads` names the attributes it looks at (validated against the control's types, and
used for `unreadable` / `inapplicable` attributes like any clause); `parameters` the
policy parameters it uses (validated, and listed with the control's). Plugins register
theirs by importing this module from the package their `evidra.controls` entry point
names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

CheckFunction = Callable[[Mapping[str, Any], Mapping[str, Any], datetime], str | None]


@dataclass(frozen=True)
class RegisteredCheck:
    name: str
    function: CheckFunction
    reads: tuple[str, ...]
    parameters: tuple[str, ...]


_CHECKS: dict[str, RegisteredCheck] = {}


def check(
    name: str, *, reads: tuple[str, ...], parameters: tuple[str, ...] = ()
) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        if name in _CHECKS:
            raise ValueError(f"check {name!r} registered twice")
        _CHECKS[name] = RegisteredCheck(name, function, reads, parameters)
        return function

    return register


def registered(name: str) -> RegisteredCheck:
    from evidra.controls.conditions import ConditionError

    try:
        return _CHECKS[name]
    except KeyError:
        raise ConditionError(
            f"unknown check {name!r}; registered: {', '.join(sorted(_CHECKS)) or 'none'}"
        ) from None
