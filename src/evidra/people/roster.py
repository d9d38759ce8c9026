"""HR's roster: who works here, since when, until when, in which department (contract:
DESIGN.md, "people").

A roster is a CSV file with a header row, or a JSON list of objects, with the columns
`REQUIRED`; `OPTIONAL` columns may be left out; any other column is kept as an attribute.
Dates are ISO 8601 (a date alone means that day, UTC); `training_completed_at` holds one
date or several separated by `;`. Nothing in it is trusted: sizes are bounded, every
value is checked, and an error names the file, the row and the column.

The terminations file Okta's deprovisioning reads (`user,terminated_at`) is the same
thing seen through a narrower window: `terminations_as_roster` reads it as leavers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REQUIRED = ("email", "name", "employment_type", "department", "manager_email", "start_date", "end_date")
OPTIONAL = ("background_check_at", "training_completed_at", "secure_coding_completed_at")
EMPLOYMENT_TYPES = ("employee", "contractor", "vendor")
MAX_BYTES = 64 * 1024 * 1024  # a roster of 100,000 people is a few MB
MAX_VALUE = 1000  # characters in one cell
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class RosterError(Exception):
    """The roster cannot be used; the message names the file, row and column."""


@dataclass(frozen=True)
class Person:
    email: str  # lower-cased: the key people are matched by
    name: str
    employment_type: str
    department: str
    manager_email: str | None
    start_date: date | None
    end_date: date | None
    background_check_at: date | None = None
    training_completed_at: tuple[date, ...] = ()
    secure_coding_completed_at: tuple[date, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)  # unknown columns, kept

    def active_on(self, day: date) -> bool:
        """Employed that day: started (or no start known) and not yet past the end date."""
        started = self.start_date is None or self.start_date <= day
        return started and (self.end_date is None or day <= self.end_date)

    def to_row(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "name": self.name,
            "employment_type": self.employment_type,
            "department": self.department,
            "manager_email": self.manager_email,
            "start_date": _iso(self.start_date),
            "end_date": _iso(self.end_date),
            "background_check_at": _iso(self.background_check_at),
            "training_completed_at": [d.isoformat() for d in self.training_completed_at],
            "secure_coding_completed_at": [d.isoformat() for d in self.secure_coding_completed_at],
            "attributes": dict(sorted(self.attributes.items())),
        }


@dataclass(frozen=True)
class Roster:
    source: str  # the file, or the HR system it was read from
    digest: str  # sha256:<hex> of the bytes read (a file) or of the canonical rows (an API)
    people: tuple[Person, ...]

    def by_email(self) -> dict[str, Person]:
        return {p.email: p for p in self.people}


def read_roster(path: str) -> Roster:
    file = Path(path).expanduser()
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise RosterError(f"people.roster {path} cannot be read ({exc.strerror})") from None
    if len(data) > MAX_BYTES:
        raise RosterError(f"people.roster {path} is larger than {MAX_BYTES // 2**20} MiB")
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterError(f"people.roster {path}: not UTF-8 (byte {exc.start})") from None
    if file.suffix.lower() == ".json" or text.lstrip().startswith("["):
        rows = _json_rows(path, text)
        columns = sorted({k for row in rows for k in row}) if rows else []
        first_row = 1
    else:
        rows, columns = _csv_rows(path, text)
        first_row = 2  # the header is line 1
    if {"user", "terminated_at"} <= set(columns) and "email" not in columns:
        return _terminations(path, rows, digest)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise RosterError(f"people.roster {path}: missing required column {', '.join(missing)}")
    return Roster(str(path), digest, people_from_rows(path, rows, first_row))


def people_from_rows(source: str, rows: list[dict[str, Any]], first_row: int = 1) -> tuple[Person, ...]:
    people: dict[str, Person] = {}
    for number, row in enumerate(rows, start=first_row):
        person = _person(source, number, row)
        if person.email in people:
            raise RosterError(f"{source} row {number}: email {person.email} appears twice")
        people[person.email] = person
    return tuple(people.values())


def _terminations(path: str, rows: list[dict[str, Any]], digest: str) -> Roster:
    """Okta's terminations file (`user,terminated_at`) read as a roster of leavers, so the
    same file can be `people.roster`: each leaver's last day is the day before the
    termination time (a termination at midnight ends the previous day)."""
    people = []
    for number, row in enumerate(rows, start=2):
        user = str(row.get("user") or "").strip().lower()
        when = str(row.get("terminated_at") or "").strip()
        if not _EMAIL.match(user) or not when:
            raise RosterError(
                f"people.roster {path} line {number}: needs `user` (an email) and `terminated_at`"
            )
        moment = _moment(path, number, "terminated_at", when)
        people.append(
            Person(
                email=user,
                name=user,
                employment_type="employee",
                department="",
                manager_email=None,
                start_date=None,
                end_date=(moment - timedelta(microseconds=1)).date(),
            )
        )
    return Roster(path, digest, tuple(people))


def _csv_rows(path: str, text: str) -> tuple[list[dict[str, Any]], list[str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    if not columns:
        raise RosterError(f"people.roster {path}: no header row")
    reader.fieldnames = columns
    rows = []
    for row in reader:
        if None in row:
            raise RosterError(f"people.roster {path} line {reader.line_num}: more cells than columns")
        rows.append(row)
    return rows, columns


def _json_rows(path: str, text: str) -> list[dict[str, Any]]:
    try:
        rows = json.loads(text)
    except ValueError as exc:
        raise RosterError(f"people.roster {path}: not JSON ({exc})") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise RosterError(f"people.roster {path}: must be a JSON list of objects")
    return rows


def _person(source: str, number: int, row: dict[str, Any]) -> Person:
    def text(column: str) -> str:
        value = row.get(column)
        if value is None:
            return ""
        if not isinstance(value, str | int | float):
            raise RosterError(f"{source} row {number}: {column} must be text")
        value = str(value).strip()
        if len(value) > MAX_VALUE:
            raise RosterError(f"{source} row {number}: {column} is longer than {MAX_VALUE} characters")
        return value

    def day(column: str) -> date | None:
        value = text(column)
        return _date(source, number, column, value) if value else None

    def days(column: str) -> tuple[date, ...]:
        value = row.get(column)
        items = value if isinstance(value, list) else text(column).split(";")
        parsed = {_date(source, number, column, str(v).strip()) for v in items if str(v).strip()}
        return tuple(sorted(parsed))

    email = text("email").lower()
    if not _EMAIL.match(email):
        raise RosterError(f"{source} row {number}: email {email!r} is not an email address")
    employment = text("employment_type").lower()
    if employment not in EMPLOYMENT_TYPES:
        raise RosterError(
            f"{source} row {number}: employment_type {employment!r} is not one of "
            + ", ".join(EMPLOYMENT_TYPES)
        )
    start, end = day("start_date"), day("end_date")
    if start and end and end < start:
        raise RosterError(f"{source} row {number}: end_date {end} is before start_date {start}")
    known = set(REQUIRED) | set(OPTIONAL)
    return Person(
        email=email,
        name=text("name"),
        employment_type=employment,
        department=text("department"),
        manager_email=text("manager_email").lower() or None,
        start_date=start,
        end_date=end,
        background_check_at=day("background_check_at"),
        training_completed_at=days("training_completed_at"),
        secure_coding_completed_at=days("secure_coding_completed_at"),
        attributes={
            str(k)[:100]: str(v)[:MAX_VALUE] for k, v in row.items() if k not in known and v not in (None, "")
        },
    )


def _date(source: str, number: int, column: str, value: str) -> date:
    try:
        if "T" in value or " " in value:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()
        return date.fromisoformat(value)
    except ValueError:
        raise RosterError(f"{source} row {number}: {column} {value[:40]!r} is not an ISO 8601 date") from None


def _moment(source: str, number: int, column: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RosterError(f"{source} row {number}: {column} {value[:40]!r} is not ISO 8601") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
