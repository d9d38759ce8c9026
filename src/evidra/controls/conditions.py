"""The small condition language controls are written in, readable by an auditor.

A clause names one normalized attribute and one test:

    {attr: min_length, at_least: "${pwd.min_length.min_length_standard}",
     fail: "minimum length {min_length} is below {limit}"}

Tests: equals, not_equals, in, not_in, at_least, at_most, is_set, within_days
(a timestamp no older than N days at evaluation time), contains_none (a list
attribute shares no item with the given list). A value written "${name}"
is the policy parameter of that name. A missing attribute (None) fails every test
except `is_set: false`: what evidra could not see is never counted as compliant.

`attr` may be a path into a nested attribute (`encryption.kms_key`). `no_port_in` is
for port lists (`internet_ports`: ports, ranges `8000-8100`, `all`): none of the given
ports is reachable.

Groups combine clauses: `{any: [...]}` holds when one of its items holds, `{all: [...]}`
when every one does, `{not: item}` when its item does not (and fails when an attribute
it reads is missing: what evidra could not see is never compliant). The rare check the
language cannot express is a registered Python function, named with `{call: name}`
(see `evidra.controls.checks`).

`fail` is the reason a person reads; it may use the resource's attributes and
`{limit}` (the clause's resolved value) as placeholders; None prints as "not set".
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence
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


def _port_range(label: Any) -> tuple[int, int] | None:
    low, _, high = str(label).partition("-")
    if not low.isdigit() or not (high or low).isdigit():
        return None  # icmp, esp ...: a protocol without ports
    return int(low), int(high or low)


def _no_port_in(actual: Any, ports: Any, _now: datetime) -> bool:
    if not isinstance(actual, list):
        return False
    if "all" in actual:
        return not ports
    ranges = [r for r in (_port_range(label) for label in actual) if r is not None]
    return not any(low <= int(port) <= high for low, high in ranges for port in ports)


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
    # For port lists (internet_ports): no given port is inside a listed port or range.
    "no_port_in": _no_port_in,
}
_LIST_TESTS = {"in", "not_in", "contains_none", "no_port_in"}


class ConditionError(ValueError):
    """A clause that cannot be understood: a catalog or config mistake."""


def value_at(attributes: Mapping[str, Any], path: str) -> Any:
    """The attribute at `path` (`a.b.c` walks nested mappings); None when absent."""
    value: Any = attributes
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


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

    def attrs(self) -> list[str]:
        """The top-level attributes it reads."""
        return [self.attr.split(".", 1)[0]]

    def reasons(self) -> list[str]:
        return [self.fail] if self.fail else []

    def resolve(self, parameters: Mapping[str, Any]) -> Any:
        name = parameter_name(self.value)
        return parameters[name] if name else self.value

    def holds(self, attributes: Mapping[str, Any], parameters: Mapping[str, Any], now: datetime) -> bool:
        limit = self.resolve(parameters)
        if limit is None and self.test not in ("equals", "not_equals", "is_set"):
            # The policy sets no number for this parameter: nothing to compare against.
            raise ConditionError(f"parameter {self.value} has no value; set it under `parameters:`")
        return TESTS[self.test](value_at(attributes, self.attr), limit, now)

    def reason(
        self, attributes: Mapping[str, Any], parameters: Mapping[str, Any], now: datetime | None = None
    ) -> str:
        template = self.fail or f"{self.attr} {self.test.replace('_', ' ')} {{limit}} does not hold"
        return render(template, attributes, {"limit": self.resolve(parameters)})


@dataclass(frozen=True)
class Group:
    """`any:` (one item holds), `all:` (every item holds) or `not:` (its one item does not)."""

    kind: str
    items: tuple[Condition, ...]
    fail: str | None = None

    def parameters(self) -> list[str]:
        return [name for item in self.items for name in item.parameters()]

    def attrs(self) -> list[str]:
        return [name for item in self.items for name in item.attrs()]

    def reasons(self) -> list[str]:
        return ([self.fail] if self.fail else []) + [r for item in self.items for r in item.reasons()]

    def holds(self, attributes: Mapping[str, Any], parameters: Mapping[str, Any], now: datetime) -> bool:
        if self.kind == "any":
            return any(item.holds(attributes, parameters, now) for item in self.items)
        if self.kind == "all":
            return all(item.holds(attributes, parameters, now) for item in self.items)
        if any(attributes.get(name) is None for name in self.attrs()):
            return False  # not seeing something never proves its absence
        return not self.items[0].holds(attributes, parameters, now)

    def reason(
        self, attributes: Mapping[str, Any], parameters: Mapping[str, Any], now: datetime | None = None
    ) -> str:
        if self.fail:
            return render(self.fail, attributes)
        now = now or datetime.now(UTC)
        if self.kind == "all":
            failing = next(i for i in self.items if not i.holds(attributes, parameters, now))
            return failing.reason(attributes, parameters, now)
        if self.kind == "any":
            return "none of these holds: " + "; ".join(
                i.reason(attributes, parameters, now) for i in self.items
            )
        missing = [name for name in self.attrs() if attributes.get(name) is None]
        if missing:
            return f"{', '.join(missing)} not set"
        return f"excluded: {describe(self.items[0])}"


@dataclass(frozen=True)
class Call:
    """A registered Python check (`evidra.controls.checks`), for what the language cannot say."""

    name: str
    fail: str | None = None

    def _check(self) -> Any:
        from evidra.controls.checks import registered

        return registered(self.name)

    def parameters(self) -> list[str]:
        return list(self._check().parameters)

    def attrs(self) -> list[str]:
        return list(self._check().reads)

    def reasons(self) -> list[str]:
        return [self.fail] if self.fail else []

    def holds(self, attributes: Mapping[str, Any], parameters: Mapping[str, Any], now: datetime) -> bool:
        return self._check().function(attributes, parameters, now) is None

    def reason(
        self, attributes: Mapping[str, Any], parameters: Mapping[str, Any], now: datetime | None = None
    ) -> str:
        if self.fail:
            return render(self.fail, attributes)
        found = self._check().function(attributes, parameters, now or datetime.now(UTC))
        return str(found or f"{self.name} does not hold")


Condition = Clause | Group | Call


def parse_condition(spec: Any, where: str) -> Condition:
    """One item of `where` or `check`: a clause, a group, or a registered check."""
    if isinstance(spec, Mapping):
        kinds = [k for k in ("any", "all", "not", "call") if k in spec]
        if len(kinds) > 1 or (kinds and set(spec) - {kinds[0], "fail"}):
            raise ConditionError(f"{where}: a group is one of any/all/not/call, with an optional `fail`")
        if kinds:
            kind, body, fail = kinds[0], spec[kinds[0]], spec.get("fail")
            if kind == "call":
                from evidra.controls.checks import registered

                registered(str(body))  # refuses unknown names
                return Call(str(body), fail)
            items: Sequence[Any] = [body] if kind == "not" else body
            if kind != "not" and (not isinstance(body, list) or not body):
                raise ConditionError(f"{where}: `{kind}` needs a list of clauses")
            return Group(kind, tuple(parse_condition(item, f"{where} {kind}") for item in items), fail)
    return Clause.parse(spec, where)


def describe(condition: Condition) -> str:
    if isinstance(condition, Clause):
        return f"{condition.attr} {condition.test.replace('_', ' ')} {_show(condition.value)}"
    if isinstance(condition, Call):
        return condition.name
    return f"{condition.kind}({'; '.join(describe(i) for i in condition.items)})"


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
