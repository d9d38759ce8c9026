"""People against their accounts: the join of HR's roster with every identity provider's
and cloud's accounts, made once per run after collection and before evaluation.

From the run's `hr.person` observations (the roster) and `identity.user` observations
(Okta, Entra ID, Google Workspace, AWS IAM and Identity Center, and any provider whose
users carry an `email`), it makes:

- one `people.account` per account: whom it belongs to (`match.py`), whether that person
  is employed today, or that it is a declared service identity: orphaned accounts;
- one `people.person` per person on the roster: its roster facts with the accounts
  matched, the first access, and the verdict material for background checks, security
  and secure-coding training and moves;
- one `identity.deprovisioning` per leaver and account (the Okta reader's type, judged
  by the same control): removed or not, when (audit events, else the first run that saw
  it disabled or gone), and the delay against the termination;
- one `endpoint.offboarding` per leaver and managed device (`offboarding.py`): wiped,
  retired, unenrolled or gone, and when.

History comes from the previous run (`PeopleHistory`): a person's earlier accounts (so
an account deleted after someone left still counts as removed, not as never seen), the
department before a move, and removal times first seen by an earlier run. Nothing here
calls a provider; everything derived cites the observations it was made from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from evidra.config.settings import PeopleSettings
from evidra.model import ApiCall, Collection, Observation, ScopeError, iso
from evidra.people.devices import Seen, device_failures, devices_read
from evidra.people.match import Matcher, account_email
from evidra.people.offboarding import TYPE as OFFBOARDING
from evidra.people.offboarding import Leaver, offboarding_events

PROVIDER = "people"
SCOPE = "people:roster"
DERIVED_TYPES = ("people.account", "people.person", "identity.deprovisioning", OFFBOARDING)
REMOVAL_ACTIONS = {"deactivated", "suspended", "deleted"}
LEAVER_HORIZON_DAYS = 400  # leavers judged this long after leaving (a Type II period and a margin)
_DERIVE = ApiCall("evidra", "people.match", {})


@dataclass(frozen=True, slots=True)
class Account:
    provider: str
    scope: str
    id: str
    name: str
    email: str | None
    disabled: bool
    privileged: bool | None
    admin_roles: tuple[str, ...]
    last_activity: str | None
    created: str | None
    kind: str | None
    ref: str  # `provider|scope|id`: how history and reviews name the account
    label: str  # `provider:name`: how people read it

    @property
    def access(self) -> str:
        return f"{self.label} [{','.join(self.admin_roles)}]"


@dataclass
class PeopleHistory:
    """What the previous run derived: hr.person attributes by email, identity.deprovisioning
    and endpoint.offboarding attributes by id (roster view only)."""

    persons: dict[str, dict[str, Any]] = field(default_factory=dict)
    leavers: dict[str, dict[str, Any]] = field(default_factory=dict)
    offboarding: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Inputs:
    persons: list[Observation] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    # (provider, target login or email) -> [(time, action)]: an event speaks for its provider's account only
    removals: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    roster_read: bool = False
    devices: list[Observation] = field(default_factory=list)  # endpoint.device, any MDM
    devices_unread: list[str] = field(default_factory=list)  # MDM scopes that failed this run
    devices_read: set[str] = field(default_factory=set)  # `provider|scope` read in full


def augment(
    collection: Collection,
    settings: PeopleSettings | None,
    parameters: Mapping[str, Any],
    now: datetime,
    history: PeopleHistory | None = None,
) -> Collection:
    """The collection with the people view appended (the observations collected are only
    read: a large run is spooled on disk and is not copied). Without a roster in the run,
    the derived types are an error: what could not be judged must show."""
    if settings is None:
        return collection
    inputs = _Inputs()
    for observation in collection.observations:  # one read-only pass; derived ones are appended
        if observation.provider == PROVIDER and observation.type == "hr.person":
            inputs.persons.append(observation)
        elif observation.provider == PROVIDER and observation.type == "hr.roster":
            inputs.roster_read = True
        elif observation.type == "identity.user" and observation.provider != PROVIDER:
            account = _account(observation)
            if account is not None:
                inputs.accounts.append(account)
        elif observation.type == "endpoint.device":
            inputs.devices.append(observation)
        elif observation.type == "identity.event":
            action = observation.attributes.get("action")
            target = str(observation.attributes.get("target") or "").lower()
            published = observation.attributes.get("published")
            if action in REMOVAL_ACTIONS and target and published:
                inputs.removals[(observation.provider, target)].append((str(published), str(action)))
    if not inputs.roster_read:
        message = "people: the roster could not be read in this run, so no account was judged against it"
        collection.errors.append(ScopeError(PROVIDER, SCOPE, message, "people.match", DERIVED_TYPES))
        return collection
    unread = _unread_identity_scopes(collection)
    inputs.devices_unread = sorted(scope for _, scope in device_failures(collection))
    inputs.devices_read = devices_read(collection)
    read_providers = {s.provider for s in collection.scopes}
    view = _PeopleView(settings, parameters, now, history or PeopleHistory(), unread, read_providers)
    collection.observations.extend(view.derive(inputs))
    return collection


def _account(observation: Observation) -> Account | None:
    attributes = observation.attributes
    if attributes.get("kind") == "root":
        return None  # the account's owner identity, judged by the root controls
    name = str(attributes.get("name") or observation.name or observation.id)
    return Account(
        provider=observation.provider,
        scope=observation.scope,
        id=observation.id,
        name=name,
        email=account_email(attributes),
        disabled=bool(attributes.get("disabled")),
        privileged=attributes.get("privileged"),
        admin_roles=tuple(sorted(str(r) for r in attributes.get("admin_roles") or ())),
        last_activity=attributes.get("last_activity"),
        created=attributes.get("created"),
        kind=attributes.get("kind"),
        ref=f"{observation.provider}|{observation.scope}|{observation.id}",
        label=f"{observation.provider}:{name}",
    )


def _unread_identity_scopes(collection: Collection) -> set[tuple[str, str]]:
    return {(e.provider, e.scope) for e in collection.errors if not e.types or "identity.user" in e.types}


class _PeopleView:
    def __init__(
        self,
        settings: PeopleSettings,
        parameters: Mapping[str, Any],
        now: datetime,
        history: PeopleHistory,
        unread: set[tuple[str, str]],
        read_providers: set[str],
    ) -> None:
        self.settings = settings
        self.parameters = parameters
        self.now = now
        self.today = now.astimezone(UTC).date()
        self.history = history
        self.unread = unread
        self.read_providers = read_providers

    def derive(self, inputs: _Inputs) -> list[Observation]:
        people = {str(p.attributes["email"]): p for p in inputs.persons}
        matcher = Matcher(people, self.settings.aliases, self.settings.service_identities)
        owned: dict[str, list[Account]] = defaultdict(list)
        status = {email: _employment_status(p.attributes, self.today) for email, p in people.items()}
        observations = []
        for account in inputs.accounts:
            found = matcher.match(account.provider, account.name, account.email)
            person = people.get(found.owner) if found.owner else None
            if person is not None:
                owned[person.attributes["email"]].append(account)
            observations.append(
                self._account_observation(account, found, person, status.get(found.owner or "", "unknown"))
            )
        devices: dict[str, list[str]] = defaultdict(list)
        held: dict[str, list[Seen]] = defaultdict(list)  # every device, for leavers
        everyone: dict[str, Seen] = {}
        for device in inputs.devices:
            found = matcher.match(device.provider, str(device.attributes.get("owner") or ""), None)
            seen = Seen.of(device)
            seen = everyone.setdefault(seen.ref, seen)
            if found.owner:
                held[found.owner].append(seen)
            if found.owner and _counts_as_workstation(device.attributes):
                devices[found.owner].append(f"{device.provider}:{device.name or device.id}")
        device_view = (devices, inputs.devices_unread, bool(inputs.devices or inputs.devices_unread))
        for email, person in people.items():
            accounts = sorted(owned.get(email, []), key=lambda a: a.ref)
            enriched = self._person(person, accounts, device_view)
            observations.append(enriched)
            observations.extend(self._leaver(enriched, accounts, inputs.removals))
            leaver = self._left(enriched)
            if leaver is not None:
                observations.extend(
                    offboarding_events(
                        leaver,
                        held.get(email, []),
                        self.history.offboarding,
                        inputs.devices_read,
                        everyone,
                        self.now,
                        _DERIVE,
                    )
                )
        return observations

    # -- accounts: orphans --

    def _account_observation(
        self, account: Account, found: Any, person: Observation | None, owner_status: str
    ) -> Observation:
        if found.matched_by == "service_identity" or account.kind == "service":
            status, active = "service", True
        elif person is None:
            status, active = "unknown", False
        else:
            status, active = owner_status, owner_status == "active"
        attributes = {
            "provider": account.provider,
            "account": account.name,
            "account_ref": account.ref,
            "email": found.email,
            "matched_by": found.matched_by or ("service_identity" if account.kind == "service" else None),
            "owner": found.owner if person is not None else None,
            "owner_employment_type": person.attributes.get("employment_type") if person else None,
            "owner_active": active,
            "owner_status": status,
            "owner_end_date": person.attributes.get("end_date") if person else None,
            "disabled": account.disabled,
            "privileged": account.privileged,
            "admin_roles": list(account.admin_roles),
            "last_activity": account.last_activity,
        }
        return Observation(
            provider=PROVIDER,
            scope=SCOPE,
            type="people.account",
            id=f"people:account/{account.provider}/{account.id}",
            name=account.label,
            attributes=attributes,
            raw={"account": {"provider": account.provider, "scope": account.scope, "id": account.id}},
            calls=[_DERIVE],
            principal="evidra",
            observed_at=self.now,
        )

    # -- people: access, checks, training, moves --

    def _person(
        self, person: Observation, accounts: list[Account], device_view: tuple[Any, list[str], bool]
    ) -> Observation:
        attributes = dict(person.attributes)
        email = str(attributes["email"])
        previous = self.history.persons.get(email, {})
        active = [a for a in accounts if not a.disabled]
        created = sorted(c for c in (a.created for a in accounts) if c)
        first_access = created[0] if created else None
        check = _date(attributes.get("background_check_at"))
        source_control = any(a.provider in self.settings.source_control for a in active)
        start = _date(attributes.get("start_date"))
        awareness = training_status(
            start,
            _dates(attributes.get("training_completed_at")),
            self.today,
            self._days("train.security_awareness.new_hire_deadline_days", 30),
            self._days("train.security_awareness.refresher_interval_days", 365),
        )
        coding = (
            training_status(
                start,
                _dates(attributes.get("secure_coding_completed_at")),
                self.today,
                self._days("train.secure_coding.new_developer_deadline_days", 30),
                self._days("train.secure_coding.refresher_interval_days", 365),
            )
            if source_control
            else ("not_required", "no source-control account")
        )
        access = sorted(a.access for a in active)
        # Accounts on providers this run did not read (a daemon runs one provider at a time)
        # are as the previous run saw them: a person's accounts do not flicker run to run.
        kept = [i for i, ref in enumerate(previous.get("account_refs") or []) if not self._read(ref)]
        kept_refs = [previous["account_refs"][i] for i in kept]
        kept_labels = [(previous.get("accounts") or [""] * (i + 1))[i] for i in kept]
        kept_active = [a for a in previous.get("active_accounts") or [] if a in kept_labels]
        kept_access = [a for a in previous.get("access") or [] if a.split(" [")[0] in kept_active]
        access = sorted([*access, *kept_access])
        attributes |= {
            "accounts": [*(a.label for a in accounts), *kept_labels],
            "active_accounts": [*(a.label for a in active), *kept_active],
            "account_refs": [*(a.ref for a in accounts), *kept_refs],
            "access": access,
            "first_access": first_access,
            "background_check_before_access": (
                None if first_access is None else check is not None and check <= _date(first_access)  # type: ignore[operator]
            ),
            "security_training": awareness[0],
            "security_training_detail": awareness[1],
            "source_control_access": source_control,
            "secure_coding_training": coding[0],
            "secure_coding_training_detail": coding[1],
            **self._move(attributes, previous, access),
            **self._devices(email, active, previous, device_view),
        }
        return Observation(
            provider=PROVIDER,
            scope=SCOPE,
            type="people.person",
            id=person.id,
            name=person.name,
            attributes=attributes,
            raw={"roster_row": person.raw.get("roster_row"), "accounts": attributes["account_refs"]},
            calls=[*person.calls, _DERIVE],
            principal="evidra",
            observed_at=self.now,
        )

    def _devices(
        self,
        email: str,
        active: list[Account],
        previous: dict[str, Any],
        device_view: tuple[dict[str, list[str]], list[str], bool],
    ) -> dict[str, Any]:
        """endpoint.mdm_enrolment against the roster: a person with an active account on a
        workstation provider needs a managed computer whose MDM owner matches them (by
        email or alias). A run that read no device management keeps the previous run's
        devices (a daemon reads one provider at a time); without any, it is unreadable."""
        devices, failed, read = device_view
        workstation = sorted(a.label for a in active if a.provider in self.settings.workstation_providers)
        mine = sorted(devices.get(email, []))
        out: dict[str, Any] = {"workstation_accounts": workstation, "managed_devices": mine}
        if not read and "managed_devices" in previous:
            mine = out["managed_devices"] = list(previous["managed_devices"])
        elif not read:
            out["unreadable"] = {"has_managed_device": "no device management (Jamf, Intune) was read"}
            return out
        if not mine and failed:
            out["unreadable"] = {"has_managed_device": f"device management not readable: {', '.join(failed)}"}
            return out
        out["has_managed_device"] = bool(mine)
        return out

    def _move(
        self, attributes: dict[str, Any], previous: dict[str, Any], access: list[str]
    ) -> dict[str, Any]:
        """A mover is seen when the department (or manager) differs from the previous run's;
        the access held then is kept, and a move is judged on whether it changed since."""
        moved = bool(previous) and (
            previous.get("department") != attributes.get("department")
            or previous.get("manager_email") != attributes.get("manager_email")
        )
        if moved:
            moved_at: str | None = iso(self.now)
            before = previous.get("department")
            access_at_move = list(previous.get("access") or [])
        else:
            moved_at = previous.get("moved_at")
            before = previous.get("previous_department")
            access_at_move = list(previous.get("access_at_move") or [])
        status = None
        if moved_at:
            grace = self._days("ac.role_change_revocation.grace_period_days", 30)
            if access != access_at_move:
                status = "changed"
            elif _date(moved_at) + timedelta(days=grace) >= self.today:  # type: ignore[operator]
                status = "pending"
            else:
                status = "unchanged"
        return {
            "moved_at": moved_at,
            "previous_department": before,
            "access_at_move": access_at_move if moved_at else [],
            "mover_access": status,
        }

    # -- leavers: every account removed within the deadline --

    def _left(self, person: Observation) -> Leaver | None:
        """A leaver still judged: left before today, within the horizon. Termination is
        the end of the last day employed (UTC)."""
        end = _date(person.attributes.get("end_date"))
        if end is None or end >= self.today or (self.today - end).days > LEAVER_HORIZON_DAYS:
            return None
        terminated_at = datetime.combine(end + timedelta(days=1), time(), UTC)
        return Leaver(
            str(person.attributes["email"]), terminated_at, person.attributes.get("employment_type")
        )

    def _leaver(
        self,
        person: Observation,
        accounts: list[Account],
        removals: Mapping[tuple[str, str], list[tuple[str, str]]],
    ) -> list[Observation]:
        attributes = person.attributes
        left = self._left(person)
        if left is None:
            return []
        email, terminated_at = left.email, left.terminated_at
        previous = self.history.persons.get(email, {})
        present = {a.ref: a for a in accounts}
        refs = sorted(set(present) | set(previous.get("account_refs") or []))
        refs += sorted(
            str(v.get("account_ref"))
            for v in self.history.leavers.values()
            if v.get("user") == email and v.get("account_ref") not in set(refs)
        )
        observations = []
        for ref in refs:
            provider, scope, native = ([*ref.split("|", 2), "", ""])[:3]
            ident = f"people:leaver/{email}/{provider}/{native}"
            before = self.history.leavers.get(ident, {})
            account = present.get(ref)
            if account is None and (provider not in self.read_providers or (provider, scope) in self.unread):
                continue  # not read this run: nothing new to say about it
            name = account.name if account else str(before.get("account") or native)
            removed = account is None or account.disabled
            removed_at, removed_by = None, None
            if removed:
                removed_at, removed_by = _removal(
                    removals.get((provider, email), []) + removals.get((provider, name.lower()), []),
                    terminated_at,
                )
                if removed_at is None and before.get("access_removed_at"):
                    removed_at, removed_by = before["access_removed_at"], before.get("removed_by")
                elif removed_at is None and before and not before.get("access_removed"):
                    removed_at = iso(self.now)  # first seen removed by this run: removed by then
                    removed_by = "deleted" if account is None else "disabled"
                elif removed_by is None:
                    removed_by = "deleted" if account is None else "disabled"
            removed_time = _time(removed_at)
            observations.append(
                Observation(
                    provider=PROVIDER,
                    scope=SCOPE,
                    type="identity.deprovisioning",
                    id=ident,
                    name=f"{email} on {provider}:{name}",
                    attributes={
                        "user": email,
                        "provider": provider,
                        "account": name,
                        "account_ref": ref,
                        "employment_type": attributes.get("employment_type"),
                        "terminated_at": iso(terminated_at),
                        "account_found": True,
                        "access_removed": removed,
                        "access_removed_at": removed_at,
                        "removed_by": removed_by,
                        "hours_to_removal": _hours(removed_time - terminated_at) if removed_time else None,
                        # Only while access remains: a removed account's observation stops changing.
                        "hours_since_termination": None if removed else _hours(self.now - terminated_at),
                    },
                    raw={"person": {"email": email, "end_date": attributes.get("end_date")}, "account": ref},
                    calls=[_DERIVE],
                    principal="evidra",
                    observed_at=self.now,
                )
            )
        return observations

    def _read(self, ref: str) -> bool:
        provider, scope = ([*ref.split("|", 2), ""])[:2]
        return provider in self.read_providers and (provider, scope) not in self.unread

    def _days(self, name: str, default: int) -> int:
        value = self.parameters.get(name)
        return int(value) if isinstance(value, int | float) else default


def training_status(
    start: date | None, completions: list[date], today: date, new_hire_days: int, refresher_days: int
) -> tuple[str, str]:
    """current | not_due | missing | late | expired, with the dates that decided it."""
    deadline = (start + timedelta(days=new_hire_days)) if start else None
    if not completions:
        if deadline is not None and today <= deadline:
            return "not_due", f"started {start}, first training due by {deadline}"
        return "missing", f"no training recorded (started {start}, due by {deadline})"
    last = completions[-1]
    if last + timedelta(days=refresher_days) < today:
        return (
            "expired",
            f"last training {last}, refresher was due by {last + timedelta(days=refresher_days)}",
        )
    # Late: a joiner of the past year whose first training came after the deadline (for
    # earlier joiners only the yearly refresher is judged: their first year is over).
    recent_joiner = start is not None and start + timedelta(days=refresher_days) >= today
    first = completions[0]
    if deadline is not None and recent_joiner and first > deadline:
        return "late", f"first training {first}, due by {deadline} (started {start})"
    return "current", f"last training {last}"


def _counts_as_workstation(device: Mapping[str, Any]) -> bool:
    """A managed computer: a phone or tablet does not stand for the workstation."""
    return device.get("managed") is True and device.get("kind") != "mobile"


def _employment_status(attributes: Mapping[str, Any], today: date) -> str:
    start, end = _date(attributes.get("start_date")), _date(attributes.get("end_date"))
    if end is not None and end < today:
        return "left"
    if start is not None and start > today:
        return "not_started"
    return "active"


def _removal(events: Iterable[tuple[str, str]], terminated_at: datetime) -> tuple[str | None, str | None]:
    """The first removal at or after the termination, else the last one before it."""
    ordered = sorted((t, a) for t, a in events if _time(t) is not None)
    after = [(t, a) for t, a in ordered if _time(t) >= terminated_at]  # type: ignore[operator]
    if after:
        return after[0]
    if ordered:
        return ordered[-1]
    return None, None


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _dates(values: Any) -> list[date]:
    return sorted(d for d in (_date(v) for v in values or ()) if d is not None)


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)
