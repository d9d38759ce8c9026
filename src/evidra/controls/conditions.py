"""The small condition language controls are written in, readable by an auditor.

A clause names one normalized attribute and one test:

    {attr: min_length, at_least: "${pwd.min_length.min_length_standard}",
     fail: "minimum length {min_length} is below {limit}"}

Tests: equals, not_equals, in, not_in, at_least, at_most, is_set, within_days
(a timestamp no older than N days at evaluation time), older_than_days (more than N
days old), within_business_days (no more than N business days old: Saturdays, Sundays
and the dates in `holidays:` do not count), contains_none (a list
attribute shares no item with the given list). A value written "${name}"
is the policy parameter of that name.

Evaluation time is the run's (its recorded finish), never the clock when a verdict is
recomputed, so a run's verdicts can be reproduced from what it stored. A date test may
measure to another timestamp attribute instead, named by `until:`, and to evaluation time
while that attribute is unset: `{attr: first_observed, within_days: 30, until: closed_at}`
is "closed within 30 days of first observed, or open for 30 days at most so far". So a
collector stores the dates an interval runs between, never its length so far, which would
change the snapshot every run. A missing attribute (None) fails every test
except `is_set: false`: what evidra could not see is never counted as compliant.

`attr` may be a path into a nested attribute (`encryption.kms_key`). `no_port_in` is
for port lists (`internet_ports`: ports, ranges `8000-8100`, `all`): none of the given
ports is reachable.

Groups combine clauses: `{any: [...]}` holds when one of its items holds, `{all: [...]}`
when every one does, `{not: item}` when its item does not (and fails when an attribute
it reads is missing: what evidra could not see is never compliant). The rare check the
language cannot express is a registered Python function, named with `{call: name}`
(see `evidra.controls.checks`).

`fail` is the reason a person reads; it may use the resource's attributes,
`{limit}` (the clause's resolved value) and, for date tests, `{due}` (the attribute's
time plus the limit: the deadline) as placeholders; None prints as "not set".
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from evidra.model import iso

_PARAM = re.compile(r"^\$\{([A-Za-z0-9_.]+)\}$")


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _age_days(value: Any, now: datetime) -> float | None:
    moment = _moment(value)
    return None if moment is None else (now - moment).total_seconds() / 86400


def _is_business_day(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def business_days_between(start: datetime, end: datetime, holidays: frozenset[date] = frozenset()) -> float:
    """The business time from `start` to `end`, in days (UTC days; weekends and `holidays`
    count nothing). A finding first seen on a Saturday and triaged on Monday evening took
    less than one business day."""
    if end <= start:
        return 0.0
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first, last = start.date(), end.date()
    if first == last:
        return (end - start).total_seconds() / 86400 if _is_business_day(first, holidays) else 0.0
    days = 0.0
    if _is_business_day(first, holidays):
        days += 1 - (start - datetime.combine(first, datetime.min.time(), UTC)).total_seconds() / 86400
    if _is_business_day(last, holidays):
        days += (end - datetime.combine(last, datetime.min.time(), UTC)).total_seconds() / 86400
    # Whole days between: five business days a full week, the rest walked, less holidays.
    inner_first, inner_days = first + timedelta(days=1), (last - first).days - 1
    weeks, rest = divmod(inner_days, 7)
    days += weeks * 5
    days += sum(1 for n in range(rest) if (inner_first + timedelta(days=weeks * 7 + n)).weekday() < 5)
    days -= sum(1 for h in holidays if first < h < last and h.weekday() < 5)
    return days


def add_business_days(start: datetime, days: float, holidays: frozenset[date] = frozenset()) -> datetime:
    """The moment `days` business days after `start` (the deadline a clause's `{due}` shows)."""
    start = start.astimezone(UTC)
    moment = start
    left = days * 86400.0
    while True:
        day = moment.date()
        midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
        if _is_business_day(day, holidays):
            room = (midnight - moment).total_seconds()
            if left <= room:
                return moment + timedelta(seconds=left)
            left -= room
        moment = midnight


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
    "older_than_days": lambda actual, limit, now: (age := _age_days(actual, now)) is not None and age > limit,
    # Judged in Clause.holds (it needs the holiday calendar); listed so it parses.
    "within_business_days": lambda actual, limit, now: False,
    # For list attributes (mfa_methods): no item of the attribute is in the list.
    "contains_none": lambda actual, limit, _now: isinstance(actual, list) and not set(actual) & set(limit),
    # For port lists (internet_ports): no given port is inside a listed port or range.
    "no_port_in": _no_port_in,
}
_LIST_TESTS = {"in", "not_in", "contains_none", "no_port_in"}
DATE_TESTS = {"within_days", "older_than_days", "within_business_days"}
_MODIFIERS = {"until", "holidays"}


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
    until: str | None = None  # date tests: the attribute the interval ends at (else evaluation time)
    holidays: Any = None  # within_business_days: dates that are not business days (list or "${...}")

    @classmethod
    def parse(cls, spec: Mapping[str, Any], where: str) -> Clause:
        if not isinstance(spec, Mapping) or "attr" not in spec:
            raise ConditionError(f"{where}: a clause needs `attr` and one test, got {spec!r}")
        tests = [name for name in spec if name in TESTS]
        unknown = set(spec) - set(TESTS) - {"attr", "fail"} - _MODIFIERS
        if unknown or len(tests) != 1:
            raise ConditionError(
                f"{where}: clause on {spec['attr']!r} needs exactly one of {', '.join(TESTS)}"
                + (f"; unknown keys: {', '.join(sorted(unknown))}" if unknown else "")
            )
        test = tests[0]
        value = spec[test]
        if test in _LIST_TESTS and not (isinstance(value, list) or parameter_name(value)):
            raise ConditionError(f"{where}: `{test}` on {spec['attr']!r} needs a list")
        if "until" in spec and test not in DATE_TESTS:
            raise ConditionError(f"{where}: `until` goes with a date test ({', '.join(sorted(DATE_TESTS))})")
        holidays = spec.get("holidays")
        if "holidays" in spec and test != "within_business_days":
            raise ConditionError(f"{where}: `holidays` goes with within_business_days")
        if holidays is not None and not (isinstance(holidays, list) or parameter_name(holidays)):
            raise ConditionError(f"{where}: `holidays` needs a list of dates or a parameter")
        until = spec.get("until")
        return cls(
            attr=str(spec["attr"]),
            test=test,
            value=value,
            fail=spec.get("fail"),
            until=str(until) if until is not None else None,
            holidays=holidays,
        )

    def parameters(self) -> list[str]:
        names = [parameter_name(self.value), parameter_name(self.holidays)]
        return [name for name in names if name]

    def attrs(self) -> list[str]:
        """The top-level attributes it reads."""
        return [path.split(".", 1)[0] for path in (self.attr, self.until) if path]

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
        actual = value_at(attributes, self.attr)
        if self.until is not None:
            now = _moment(value_at(attributes, self.until)) or now
        if self.test == "within_business_days":
            start = _moment(actual)
            return (
                start is not None and business_days_between(start, now, self._holidays(parameters)) <= limit
            )
        return TESTS[self.test](actual, limit, now)

    def _holidays(self, parameters: Mapping[str, Any]) -> frozenset[date]:
        name = parameter_name(self.holidays)
        listed = (parameters.get(name) if name else self.holidays) or []
        try:
            return frozenset(d if isinstance(d, date) else date.fromisoformat(str(d)) for d in listed)
        except (TypeError, ValueError):
            raise ConditionError(f"holidays {listed!r} are not all dates (YYYY-MM-DD)") from None

    def due(self, attributes: Mapping[str, Any], parameters: Mapping[str, Any]) -> str | None:
        """A date test's deadline: the attribute's time plus the limit."""
        start, limit = _moment(value_at(attributes, self.attr)), self.resolve(parameters)
        if self.test not in DATE_TESTS or start is None or not isinstance(limit, int | float):
            return None
        if self.test == "within_business_days":
            return iso(add_business_days(start, limit, self._holidays(parameters)))
        return iso(start + timedelta(days=limit))

    def reason(
        self, attributes: Mapping[str, Any], parameters: Mapping[str, Any], now: datetime | None = None
    ) -> str:
        template = self.fail or f"{self.attr} {self.test.replace('_', ' ')} {{limit}} does not hold"
        return render(
            template, attributes, {"limit": self.resolve(parameters), "due": self.due(attributes, parameters)}
        )


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
