"""The shape GitHub and GitLab share, written once: a conditional, paged GET whose
failures are one exception; a per-scope context whose readers share facts read once and
work in parallel; the run (credential, first read of the organisation or group, then
each reader as a unit); and organisation members as `identity.user`.

Each provider keeps only its translation: how its client sends a request and retries
(`SourceControlApi._get`), how its credential is read, and what its answers mean.

- Conditional requests: every GET carries the ETag of the answer kept from the last run
  (`evidra.collectors.conditional`), kept with the page's paging marker (a 304 repeats
  neither); a 304's body is the kept one, answered as the 200 it stands for.
- Paging follows `rel="next"` links, only to the configured host, so the token never
  follows a link elsewhere.
"""

from __future__ import annotations

import contextvars
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from importlib import resources
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from evidra.collectors.base import ProgressCallback, ScopeObserver
from evidra.collectors.conditional import EtagCache, default_folder
from evidra.collectors.readers import ReaderRegistry, run_all, unreadable_scope
from evidra.collectors.secrets import CredentialError
from evidra.config.settings import ScmSettings
from evidra.model import ApiCall, Collection, Observation, utcnow
from evidra.redact import redact_text

PAGE_SIZE = 100
MAX_BODY_BYTES = 64 * 1024 * 1024
DEFAULT_DAYS = 90
# Changes are read from a little before the last read: both providers' times are whole
# seconds, and a merge in the second a read started, or one a listing showed late, must
# not be lost. A change read twice is the same event (same id), not two.
CURSOR_OVERLAP = timedelta(minutes=10)

T = TypeVar("T")
R = TypeVar("R")


class CallFailed(Exception):
    """An API operation failed (after retries). Each provider names itself in a subclass."""

    provider: ClassVar[str] = "source control"

    def __init__(self, operation: str, reason: str, status: int | None = None) -> None:
        super().__init__(redact_text(f"{self.provider} {operation} failed: {reason}"))
        self.operation = operation
        self.status = status


@dataclass
class Answer:
    status: int
    body: Any
    next: str | None = None  # the next page's URL, as the provider's paging says


@dataclass
class ApiStats:
    """What a collection cost. `units`: answers counted against a rate limit where the
    provider spares 304s (GitHub); `retries` and `waited_seconds` where retries are ours."""

    requests: int = 0
    not_modified: int = 0
    units: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    by_operation: dict[str, int] = field(default_factory=dict)


class SourceControlApi:
    """One GET (`_get`, the provider's), and what is built on it: paging, the kept
    answers of conditional requests, the decoding of a body, the request counts."""

    service: ClassVar[str]
    failure: ClassVar[type[CallFailed]]

    def __init__(self, etags: EtagCache, base_url: str) -> None:
        self._etags = etags
        self._base = urlsplit(base_url)
        self.stats = ApiStats()
        self._lock = threading.Lock()

    @classmethod
    def call(cls, operation: str, **parameters: Any) -> ApiCall:
        return ApiCall(cls.service, operation, {k: v for k, v in parameters.items() if v is not None})

    def get(
        self, operation: str, path: str, params: Mapping[str, Any] | None = None, *, absent_ok: bool = False
    ) -> Answer:
        """One answer. `absent_ok`: a 404 answers status 404 and body None instead of failing."""
        return self._get(operation, with_query(path, params), absent_ok=absent_ok)

    def pages(
        self, operation: str, path: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[list[Any]]:
        """Every page of a list, one at a time."""
        target: str | None = with_query(path, {"per_page": PAGE_SIZE, **(params or {})})
        while target is not None:
            answer = self._get(operation, target)
            items = self.items(answer.body)
            if items is None:
                raise self.failure(operation, "the answer is not a list", answer.status)
            yield items
            target = self._same_host(operation, answer.next) if items else None

    def _get(self, operation: str, target: str, *, absent_ok: bool = False) -> Answer:
        raise NotImplementedError

    @staticmethod
    def items(body: Any) -> list[Any] | None:
        return body if isinstance(body, list) else None

    # -- for the providers' `_get` -------------------------------------------------------

    def kept(self, target: str) -> tuple[str, bytes] | None:
        """(ETag, kept) of the last 200 for `target`; `unkept` splits what was kept."""
        return self._etags.get(target)

    def keep(self, target: str, etag: str, marker: str, content: bytes) -> None:
        """Keeps a 200's body with its paging marker (a Link header, a next URL)."""
        self._etags.put(target, etag, marker.encode() + b"\n" + content)

    @staticmethod
    def unkept(kept: tuple[str, bytes]) -> tuple[str, bytes]:
        marker, _, content = kept[1].partition(b"\n")
        return marker.decode(), content

    def answer(self, operation: str, status: int, content: bytes, next_url: str | None) -> Answer:
        if len(content) > MAX_BODY_BYTES:
            raise self.failure(operation, f"answer larger than {MAX_BODY_BYTES} bytes", status)
        try:
            body = json.loads(content) if content else None
        except ValueError:
            raise self.failure(operation, f"HTTP {status}, malformed JSON body", status) from None
        # A 304 answers what the kept 200 said: readers see the answer, not how it came.
        return Answer(200 if status == 304 else status, body, next_url or None)

    def account(self, operation: str, status: int | None) -> None:
        with self._lock:
            self.stats.requests += 1
            self.stats.by_operation[operation] = self.stats.by_operation.get(operation, 0) + 1
            if status == 304:
                self.stats.not_modified += 1
            else:
                self.stats.units += 1

    def _same_host(self, operation: str, url: str | None) -> str | None:
        if not url:
            return None
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (self._base.scheme, self._base.netloc):
            raise self.failure(operation, "the next page's link points to another host")
        return url


ApiT = TypeVar("ApiT", bound=SourceControlApi)
SettingsT = TypeVar("SettingsT", bound=ScmSettings)


@dataclass
class SourceControlContext(ScopeObserver, Generic[ApiT, SettingsT]):
    """What a reader needs: the API, the organisation (GitHub) or group (GitLab) as the
    first read answered it, and the facts several readers share, read once."""

    api: ApiT
    settings: SettingsT
    organization: dict[str, Any]
    scope: str
    principal: str
    observed_at: datetime
    changes_since: datetime  # merged changes are read from here on
    _shared: dict[str, Any] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def shared(self, name: str, compute: Callable[[], T]) -> T:
        """A value computed by the first reader that asks; later askers share it. A
        failure is not kept: the next asker tries again (and fails on its own)."""
        with self._lock:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._shared:
                self._shared[name] = compute()
            value: T = self._shared[name]
            return value

    def each(self, work: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`work` over `items` on the configured number of threads, results in order.
        Each task runs in a copy of this context (githubkit keeps its open client there)."""
        prefix = f"evidra-{self.provider}"
        with ThreadPoolExecutor(self.settings.max_workers, thread_name_prefix=prefix) as pool:
            futures = [pool.submit(contextvars.copy_context().run, work, item) for item in items]
            return [future.result() for future in futures]


class SourceControlCollector(Generic[SettingsT]):
    """One organisation or group: the credential, then the first read (which proves
    it; if it fails, the whole scope is one error for every type), then each reader as
    its own unit. Changes are read from the last successful read of this scope, which
    the runner takes from the evidence store (`resume`); without one, from `since`."""

    provider: ClassVar[str]
    readers: ClassVar[ReaderRegistry[Any]]
    failure: ClassVar[type[CallFailed]]

    def __init__(self, settings: SettingsT) -> None:
        self.settings = settings
        self.scope = self.scope_of(settings)
        self.last_read: datetime | None = None
        self.api_stats: ApiStats | None = None  # the last collection's request counts (benchmarks)

    # -- the provider's part ---------------------------------------------------------------

    def scope_of(self, settings: SettingsT) -> str:
        raise NotImplementedError

    def credential(self) -> Any:
        """The credential, read now (CredentialError names what could not be read)."""
        raise NotImplementedError

    def connect(self, credential: Any, etags: EtagCache) -> AbstractContextManager[SourceControlApi]:
        raise NotImplementedError

    def first_read(self, api: Any) -> dict[str, Any]:
        """The organisation or group (CredentialError: the credential was refused
        before any answer, as a GitHub App key that cannot sign)."""
        raise NotImplementedError

    def context(self, api: Any, first: dict[str, Any], started: datetime) -> Any:
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------------------

    def resume(self, last_reads: Mapping[str, datetime]) -> None:
        """The last successful reads of this provider's scopes (from the evidence store)."""
        self.last_read = last_reads.get(self.scope)

    def changes_since(self, now: datetime) -> datetime:
        first = (
            datetime.combine(self.settings.since, datetime.min.time(), UTC)
            if self.settings.since
            else now - timedelta(days=DEFAULT_DAYS)
        )
        return max(first, self.last_read - CURSOR_OVERLAP) if self.last_read else first

    def collect(self, progress: ProgressCallback | None = None) -> Collection:
        started = utcnow()
        collection = Collection()
        try:
            credential = self.credential()
        except CredentialError as exc:
            self._fail_all(collection, started, f"{self.provider} credentials: {exc}")
            return collection
        folder = self.settings.cache_dir or default_folder(self.provider)
        etags = EtagCache.open(folder, quote(self.scope, safe=""))
        try:
            with self.connect(credential, etags) as api:
                del credential
                self.api_stats = api.stats
                try:
                    first = self.first_read(api)
                except self.failure as failure:
                    self._fail_all(collection, started, str(failure))
                    return collection
                except CredentialError as exc:
                    self._fail_all(collection, started, f"{self.provider} credentials: {exc}")
                    return collection
                ctx = self.context(api, first, started)
                run_all(
                    self.readers, ctx, self.scope, collection, expected=(self.failure,), progress=progress
                )
        finally:
            etags.close()
        return collection

    def _fail_all(self, collection: Collection, started: datetime, message: str) -> None:
        unreadable_scope(collection, self.readers, self.scope, started, message)


class ShippedEndpoints:
    """A provider's shipped least-privilege file (a JSON document in its package) and the
    endpoints it lists, `{"method", "path"}` with `{name}` standing for one path segment:
    the collector must make no request the file does not list."""

    def __init__(self, package: str, file: str) -> None:
        self.package, self.file = package, file

    @cached_property
    def document(self) -> dict[str, Any]:
        text = resources.files(self.package).joinpath(self.file).read_text(encoding="utf-8")
        loaded: dict[str, Any] = json.loads(text)
        return loaded

    @cached_property
    def _patterns(self) -> list[tuple[str, re.Pattern[str], dict[str, Any]]]:
        return [
            (e["method"], re.compile("^" + re.sub(r"\{[a-z_]+\}", "[^/]+", e["path"]) + "$"), e)
            for e in self.document["endpoints"]
        ]

    def endpoint(self, method: str, path: str) -> dict[str, Any] | None:
        """The file's entry for this request, None when it lists none."""
        return next((e for m, pattern, e in self._patterns if m == method and pattern.match(path)), None)


def with_query(path: str, params: Mapping[str, Any] | None) -> str:
    kept = {k: v for k, v in (params or {}).items() if v is not None}
    return path + (f"?{urlencode(kept)}" if kept else "")


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time as both APIs write it (`2026-01-31T09:00:00Z`), else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def review_verdict(
    approvers: list[str],
    conclusions: Mapping[str, str],
    success: frozenset[str],
    protection: Mapping[str, Any],
) -> dict[str, Any]:
    """`change.merge`'s verdict on a merge's review, one rule for every provider, against
    the branch's protection as `scm.repository` states it: the required checks passed
    when each concluded in `success` (the provider's words for it); a merge into a
    protected branch whose approvals or checks fell short was an administrator's bypass
    unless administrators are held to the protection."""
    required: list[str] = list(protection["required_checks"])
    passed = all(conclusions.get(name) in success for name in required)
    met = len(approvers) >= protection["required_approvals"] and passed
    protected = bool(protection["branch_protected"])
    return {
        "approvers": approvers,
        "approved_by_other": bool(approvers),
        "required_checks": required,
        "check_conclusions": {name: conclusions.get(name, "missing") for name in required},
        "required_checks_passed": passed,
        "protected_at_merge": protected,
        "admin_bypass": protected and not met and not protection["enforce_admins"],
        "code_owner_review_required": protection["code_owner_review"],
    }


# -- organisation members as identity.user ------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A member of the organisation or group, as the provider's answers describe them."""

    id: str  # the member's web address
    login: str
    email: str | None  # from the organisation's identity provider, else the public one
    email_source: str | None  # saml | enterprise | public
    admin_roles: tuple[str, ...]  # the provider's role names that administer everything
    status: str  # active | blocked | ...
    created: str | None  # when the membership began, when the provider says
    mfa_enabled: bool | None
    mfa_unreadable: str | None  # why two-factor state could not be read
    raw: dict[str, Any]


def member_observations(
    ctx: SourceControlContext[Any, Any],
    members: Iterable[Member],
    public_email: Callable[[Member], str | None],
    calls: list[ApiCall],
) -> list[Observation]:
    """Each member as `identity.user`; a member whose organisation's identity provider
    named no email gets their public one (`public_email`, asked in parallel), if any."""
    members = list(members)
    public = dict(ctx.each(lambda m: (m.login, public_email(m)), [m for m in members if not m.email]))
    return [
        member_observation(
            ctx, m if m.email else replace(m, email=public[m.login], email_source="public"), calls
        )
        for m in members
    ]


def member_observation(
    ctx: SourceControlContext[Any, Any], member: Member, calls: list[ApiCall]
) -> Observation:
    """`identity.user` with the attributes Okta, Entra ID and Google Workspace fill, so
    the people view matches the account to the roster (by email, else the alias map) and
    the identity controls judge it. Neither provider shows a member's last sign-in."""
    disabled = member.status != "active"
    attributes: dict[str, Any] = {
        "name": member.login,
        "email": member.email.lower() if member.email else None,
        "kind": "human",
        "console_access": not disabled,
        "mfa_enabled": member.mfa_enabled,
        "mfa_methods": None,
        "last_login": None,
        "created": member.created,
        "privileged": bool(member.admin_roles),
        "admin_roles": list(member.admin_roles),
        "disabled": disabled,
        "status": member.status,
        "last_activity": None,
    }
    if member.mfa_enabled is None and member.mfa_unreadable:
        attributes["unreadable"] = {"mfa_enabled": member.mfa_unreadable}
    return ctx.observe(
        "identity.user",
        member.id,
        name=member.login,
        attributes=attributes,
        raw={"member": member.raw, "email_source": member.email_source if member.email else None},
        calls=calls,
    )
