"""Evaluates controls over a collection: one result per control per resource in its
population, and an `error` result per control for every scope that could not be read
(a gap an auditor must see, not a silent pass)."""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from evidra.controls.catalog import Control
from evidra.controls.conditions import ConditionError, render
from evidra.model import Collection, Observation, ResourceRef, Result, Status
from evidra.spool import Spool


class Exception_(Protocol):
    """A risk acceptance (evidra.config.settings.ExceptionRule has this shape)."""

    control: str
    resource: str
    reason: str
    approved_by: str
    expires: date
    approved_at: date | None
    ticket: str | None


def _matching_exception(
    control: Control, resource_id: str, exceptions: Iterable[Exception_], today: date
) -> Exception_ | None:
    for rule in exceptions:
        matches = rule.control == control.id and fnmatch.fnmatchcase(resource_id, rule.resource)
        if matches and today <= rule.expires:
            return rule
    return None


def approval(rule: Exception_) -> str:
    """How an excepted result's reason names its risk acceptance; reports.period reads it
    back (`excepted_by`), so the two change together."""
    on = f" on {rule.approved_at.isoformat()}" if rule.approved_at else ""
    ticket = f", ticket {rule.ticket}" if rule.ticket else ""
    return f"approved by {rule.approved_by}{on}{ticket}, until {rule.expires.isoformat()}"


def judge(
    control: Control, observation: Observation, parameters: Mapping[str, Any], now: datetime
) -> tuple[Status, str] | None:
    """The verdict on one resource, or None when it is outside the control's population.

    An attribute the collector marks `unreadable` or `inapplicable` (with a reason) is not
    tested: a population clause on it is skipped, and the resource's verdict is `error`
    or `not_applicable` with that reason."""
    attributes = observation.attributes
    unreadable = attributes.get("unreadable") or {}
    inapplicable = attributes.get("inapplicable") or {}
    try:
        known = [c for c in control.where if not set(c.attrs()) & (set(unreadable) | set(inapplicable))]
        if not all(condition.holds(attributes, parameters, now) for condition in known):
            return None
        read = [attr for condition in control.where + control.check for attr in condition.attrs()]
        for attr in read:
            if attr in unreadable:
                return Status.ERROR, f"{attr} could not be read: {unreadable[attr]}"
        for attr in read:
            if attr in inapplicable:
                return Status.NOT_APPLICABLE, str(inapplicable[attr])
        for condition in control.check:
            if not condition.holds(attributes, parameters, now):
                return Status.FAIL, condition.reason(attributes, parameters, now)
    except ConditionError as exc:
        return Status.ERROR, str(exc)
    return Status.PASS, render(control.pass_reason, attributes)


def evaluate(
    controls: Sequence[Control],
    collection: Collection,
    parameters: Mapping[str, Any],
    now: datetime,
    exceptions: Iterable[Exception_] = (),
) -> Spool[Result]:
    """Every control on every observation of its types, one observation at a time (the
    observations may be spooled on disk: a large run is never all in memory), then an
    `error` result for each control a scope error left unevaluated."""
    exceptions = list(exceptions)
    by_type: dict[str, list[Control]] = defaultdict(list)
    for control in controls:
        for type_name in control.resource_types:
            by_type[type_name].append(control)

    results: Spool[Result] = Spool()
    for observation in collection.observations:
        applicable = by_type.get(observation.type, ())
        evidence = observation.evidence_hash if applicable else None
        for control in applicable:
            verdict = judge(control, observation, parameters, now)
            if verdict is None:
                continue
            status, reason = verdict
            if status is Status.FAIL:
                rule = _matching_exception(control, observation.id, exceptions, now.date())
                if rule is not None:
                    status = Status.EXCEPTED
                    reason = f"{reason}; excepted: {rule.reason} ({approval(rule)})"
            results.append(
                Result(
                    control=control.id,
                    requirement=control.requirement,
                    tsc=control.tsc,
                    status=status,
                    resource=ResourceRef(*observation.key),
                    reason=reason,
                    evidence=evidence,
                )
            )
    for control in controls:
        for error in collection.errors:
            affected = [t for t in control.resource_types if t in error.types]
            for type_name in affected:
                results.append(
                    Result(
                        control=control.id,
                        requirement=control.requirement,
                        tsc=control.tsc,
                        status=Status.ERROR,
                        resource=ResourceRef(error.provider, error.scope, type_name, error.scope),
                        reason=f"could not be evaluated: {error.message}",
                    )
                )
    return results


_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.EXCEPTED: 2, Status.PASS: 3, Status.NOT_APPLICABLE: 4}


def sort_for_people(results: Iterable[Result]) -> list[Result]:
    """Grouped by control, failures first within each."""
    return sorted(results, key=lambda r: (r.control, _ORDER[r.status], r.resource.scope, r.resource.id))
