"""The small condition language controls are written in, readable by an auditor.

A clause names one normalized attribute and one test:

    {attr: min_length, at_least: "${pwd.min_length.min_length_standard}",
     fail: "minimum length {min_length} is below {limit}"}

Tests: equals, not_equals, in, not_in, at_least, at_most, is_set, within_days
(a timestamp no older than N days at evaluation time), contains_none (a list
attribute shares no item with the given list). A value written "${name}"
is the policy parameter of that name. A missing attribute (None) fails every test
except `is_set: false`: what evidra could not see is never counted as compliant.

`fail` is the reason a person reads; it may use the resource's attributes and
`{limit}` (the clause's resolved value) as placeholders; None prints as "not set".
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_PARAM = re.compile(r"^\$\{([A-Za-z0-9_.]+)\}$")


def _age_days(value: Any, now: datetime) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (now - moment).total_seconds() / 86400


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any, datetime], bool]:
    def run(actual: Any, limit: Any, _now: datetime) -> bool:
        if actual is None or isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        return test(actual, limit)

    return run


TESTS: dict[str, Callable[[Any, Any, datetime], bool]] = {
    "equals": lambda actual, limit, _now: actual is not None and actual == limit,
    "not_equals": lambda actual, limit, _now: actual is not None and actual != limit,
    "in": lambda actual, limit, _now: actual is not None and actual in limit,
    "not_in": lambda actual, limit, _now: actual is not None and actual not in limit,
    "at_least": _ordered(lambda actual, limit: actual >= limit),
    "at_most": _ordered(lambda actual, limit: actual <= limit),
    "is_set": lambda actual, limit, _now: (actual is not None) == bool(limit),
    "within_days": lambda actual, limit, now: (age := _age_days(actual, now)) is not None and age <= limit,
    # For list attributes (mfa_methods): no item of the attribute is in the list.
    "contains_none": lambda actual, limit, _now: isinstance(actual, list) and not set(actual) & set(limit),
}
_LIST_TESTS = {"in", "not_in", "contains_none"}


class ConditionError(ValueError):
    """A clause that cannot be understood: a catalog or config mistake."""


@dataclass(frozen=True)
class Clause:
    attr: str
    test: str
    value: Any  # literal, or "${parameter}"
    fail: str | None = None

    @classmethod
    def parse(cls, spec: Mapping[str, Any], where: str) -> Clause:
        if not isinstance(spec, Mapping) or "attr" not in spec:
            raise ConditionError(f"{where}: a clause needs `attr` and one test, got {spec!r}")
        tests = [name for name in spec if name in TESTS]
        unknown = set(spec) - set(TESTS) - {"attr", "fail"}
        if unknown or len(tests) != 1:
            raise ConditionError(
                f"{where}: clause on {spec['attr']!r} needs exactly one of {', '.join(TESTS)}"
                + (f"; unknown keys: {', '.join(sorted(unknown))}" if unknown else "")
            )
        test = tests[0]
        value = spec[test]
        if test in _LIST_TESTS and not (isinstance(value, list) or parameter_name(value)):
            raise ConditionError(f"{where}: `{test}` on {spec['attr']!r} needs a list")
        return cls(attr=str(spec["attr"]), test=test, value=value, fail=spec.get("fail"))

    def parameters(self) -> list[str]:
        name = parameter_name(self.value)
        return [name] if name else []

    def resolve(self, parameters: Mapping[str, Any]) -> Any:
        name = parameter_name(self.value)
        return parameters[name] if name else self.value

    def holds(self, attributes: Mapping[str, Any], parameters: Mapping[str, Any], now: datetime) -> bool:
        limit = self.resolve(parameters)
        if limit is None and self.test not in ("equals", "not_equals", "is_set"):
            # The policy sets no number for this parameter: nothing to compare against.
            raise ConditionError(f"parameter {self.value} has no value; set it under `parameters:`")
        return TESTS[self.test](attributes.get(self.attr), limit, now)

    def reason(self, attributes: Mapping[str, Any], parameters: Mapping[str, Any]) -> str:
        template = self.fail or f"{self.attr} {self.test.replace('_', ' ')} {{limit}} does not hold"
        return render(template, attributes, {"limit": self.resolve(parameters)})


def parameter_name(value: Any) -> str | None:
    if isinstance(value, str) and (match := _PARAM.match(value)):
        return match.group(1)
    return None


def _show(value: Any) -> str:
    if value is None:
        return "not set"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "not set"


def render(template: str, *sources: Mapping[str, Any]) -> str:
    values = _Values()
    for source in sources:
        values.update({key: _show(value) for key, value in source.items()})
    return string.Formatter().vformat(template, (), values)


def placeholders(template: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(template) if field]
