"""AwsCollector: who am I, which accounts, then per account its regions, then every
(account, region, reader) unit, all on one bounded pool.

Scopes are `aws:{account}:global` for global readers (IAM, S3, trail coverage) and
`aws:{account}:{region}` for regional ones and for the organisation's Identity Center
(read once per run, in the caller's account and `identity_center_region`). An account
that cannot be entered (the role cannot be assumed) is one ScopeError for `aws:{account}`; a configured region
that is not enabled in an account is one for `aws:{account}:{region}`; a unit that
fails is one for its scope and types. Every other unit still reports. Several global
readers contribute attributes to the one account-settings observation; they are
merged after the run (in plan order, so the result does not depend on thread timing).
For scale-out workers, `plan` and `collect_scope` split the same work per account.
"""

from __future__ import annotations

import logging
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

# Importing the service modules registers their readers, in this order.
from evidra.collectors.aws import (  # noqa: F401
    acm,
    backup,
    cloudfront,
    cloudtrail,
    cloudwatch,
    config,
    dynamodb,
    ec2,
    efs,
    elbv2,
    guardduty,
    iam,
    identitycenter,
    inspector2,
    kms,
    logs,
    macie,
    rds,
    s3,
    securityhub,
    sns,
    ssm,
    vpc,
)
from evidra.collectors.aws.accounts import (
    Target,
    assume,
    external_id,
    inventory,
    organization_accounts,
    own_or_role,
    targets_from_list,
)
from evidra.collectors.aws.registry import (
    GLOBAL,
    ORGANIZATION,
    PROVIDER,
    READERS,
    REGIONAL,
    AwsCallFailed,
    Context,
    invoke,
)
from evidra.collectors.aws.session import AwsSession
from evidra.collectors.base import ProgressCallback, announce
from evidra.collectors.readers import Reader, UnitOutcome, run_unit
from evidra.collectors.scopes import ScopePlan, ScopeTask
from evidra.config.settings import AwsSettings
from evidra.model import Collection, Observation, ScopeError, ScopeRecord, utcnow
from evidra.redact import redact_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    account: str
    partition: str
    principal: str


@dataclass(frozen=True)
class Unit:
    reader: Reader[Context]
    region: str
    scope: str
    session: AwsSession | None = None
    identity: Identity | None = None


@dataclass
class AccountPlan:
    """One account, entered (or not), with its units of work."""

    target: Target
    units: list[Unit] = field(default_factory=list)
    errors: list[ScopeError] = field(default_factory=list)
    records: list[ScopeRecord] = field(default_factory=list)


def every_type() -> tuple[str, ...]:
    return READERS.types()


def regional_types() -> tuple[str, ...]:
    return READERS.types(REGIONAL)


# What boto3's default credential chain tries, in order (boto3 guide, "Credentials").
CREDENTIAL_CHAIN = (
    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE's profile in ~/.aws/credentials and "
    "~/.aws/config (keys, SSO, assume-role, credential_process), web identity "
    "(AWS_WEB_IDENTITY_TOKEN_FILE), container credentials, EC2 instance metadata"
)
_NO_CREDENTIALS = frozenset({"NoCredentialsError", "PartialCredentialsError", "ProfileNotFound"})
_EXPIRED = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "TokenRetrievalError",
        "SSOTokenLoadError",
        "UnauthorizedSSOTokenError",
    }
)
_REFUSED = frozenset(
    {"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "AccessDenied"}
)


def signin_problem(failure: AwsCallFailed) -> str:
    """One message for a caller AWS does not know: what went wrong, the chain tried, the fix."""
    chain = f"tried boto3's credential chain: {CREDENTIAL_CHAIN}"
    if failure.code in _NO_CREDENTIALS:
        return (
            f"no AWS credentials found ({failure.code}); {chain}. Fix: run `aws configure` or "
            "`aws sso login --profile NAME` and set AWS_PROFILE=NAME, or export AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY"
        )
    if failure.code in _EXPIRED or "expired" in str(failure).lower():
        return (
            f"the AWS credentials have expired ({failure.code}); {chain}. Fix: renew the session "
            "(`aws sso login --profile NAME`, or new temporary keys) and run again"
        )
    if failure.code in _REFUSED:
        return (
            f"AWS refused the credentials ({failure.code}: the key is unknown, disabled or mistyped); "
            f"{chain}. Fix: check which identity `aws sts get-caller-identity` uses and its keys"
        )
    return f"cannot identify the AWS caller: {failure}"


class AwsCollector:
    provider = PROVIDER

    def __init__(self, settings: AwsSettings | None = None, boto_session: Any = None) -> None:
        """`boto_session`: a boto3.Session to read through (credentials, event hooks);
        by default a new one with boto3's default credential chain."""
        self.settings = settings or AwsSettings()
        self._boto_session = boto_session

    def collect(self, progress: ProgressCallback | None = None) -> Collection:
        session = AwsSession(self.settings, self._boto_session)
        collection = Collection()
        external = external_id(self.settings.external_id_env)  # a config error before any call
        caller = self._identity(session, collection)
        if caller is None:
            return collection
        targets = self._targets(session, caller, collection)

        plans: list[AccountPlan] = []
        outcomes: dict[tuple[int, int], UnitOutcome] = {}
        with ThreadPoolExecutor(
            max_workers=self.settings.max_workers, thread_name_prefix="evidra-aws"
        ) as pool:
            pending: dict[Future[Any], tuple[int, int]] = {}
            for index, target in enumerate(targets):
                plans.append(AccountPlan(target))
                pending[pool.submit(self._enter, plans[index], session, caller, external)] = (index, -1)
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    account_index, unit_index = pending.pop(future)
                    if unit_index < 0:  # an account entered: its units join the queue
                        plan_ = plans[account_index]
                        future.result()
                        # One progress message per unit, and one per account that could not be entered.
                        announce(progress, len(plan_.units) + len(plan_.errors))
                        if progress is not None:
                            for error in plan_.errors:
                                progress(error.message)
                        for i, unit in enumerate(plan_.units):
                            pending[pool.submit(read_unit, unit, progress)] = (account_index, i)
                        continue
                    outcomes[(account_index, unit_index)] = future.result()

        # In plan order, whatever order the units finished in.
        observations: list[Observation] = []
        for account_index, plan_ in enumerate(plans):
            collection.errors.extend(plan_.errors)
            collection.scopes.extend(plan_.records)
            for unit_index in range(len(plan_.units)):
                outcome = outcomes[(account_index, unit_index)]
                observations.extend(outcome.observations)
                collection.errors.extend(outcome.errors)
                collection.scopes.append(outcome.record)
        collection.observations.extend(merge(observations))
        return collection

    # -- scale-out: one task per account ------------------------------------------

    def plan(self) -> ScopePlan:
        """Which accounts to read, one task each (the organisation is listed here). A
        task names the account and the role to enter it by; the worker assumes the
        role itself, so no credentials travel through the broker."""
        session = AwsSession(self.settings, self._boto_session)
        collection = Collection()
        external_id(self.settings.external_id_env)  # a config error before any call
        caller = self._identity(session, collection)
        if caller is None:
            return ScopePlan([], collection)
        tasks = [
            ScopeTask(
                f"{PROVIDER}:{target.account}",
                {"account": target.account, "role_arn": target.role_arn},
                every_type(),
            )
            for target in self._targets(session, caller, collection)
        ]
        return ScopePlan(tasks, collection)

    def collect_scope(self, task: ScopeTask) -> Collection:
        """One account, every region: what `collect` reads of it, in the same order."""
        session = AwsSession(self.settings, self._boto_session)
        collection = Collection()
        external = external_id(self.settings.external_id_env)
        caller = self._identity(session, collection)
        if caller is None:
            return collection
        target = Target(task.spec["account"], task.spec.get("role_arn"))
        if target.role_arn is None and target.account != caller.account:
            # Read with the worker's own credentials, it would be another account.
            started = utcnow()
            message = f"account {target.account}: this worker's credentials are for account {caller.account}"
            collection.errors.append(ScopeError(PROVIDER, task.key, message, "sts", every_type()))
            collection.scopes.append(ScopeRecord(PROVIDER, task.key, started, utcnow(), message))
            return collection
        plan_ = AccountPlan(target)
        self._enter(plan_, session, caller, external)
        with ThreadPoolExecutor(
            max_workers=self.settings.max_workers, thread_name_prefix="evidra-aws"
        ) as pool:
            outcomes = list(pool.map(read_unit, plan_.units))
        collection.errors.extend(plan_.errors)
        collection.scopes.extend(plan_.records)
        for outcome in outcomes:
            collection.errors.extend(outcome.errors)
            collection.scopes.append(outcome.record)
        collection.observations.extend(merge([o for outcome in outcomes for o in outcome.observations]))
        return collection

    def _identity(self, session: AwsSession, collection: Collection) -> Identity | None:
        started = utcnow()
        try:
            answer = invoke(session, "sts", "GetCallerIdentity", session.home_region, expect="Arn")
        except AwsCallFailed as failure:
            message = redact_text(signin_problem(failure))
            collection.errors.append(ScopeError(PROVIDER, PROVIDER, message, "sts", every_type()))
            collection.scopes.append(ScopeRecord(PROVIDER, PROVIDER, started, utcnow(), message))
            return None
        assert answer is not None
        arn = answer["Arn"]
        return Identity(account=arn.split(":")[4], partition=arn.split(":")[1], principal=arn)

    def _targets(self, session: AwsSession, caller: Identity, collection: Collection) -> list[Target]:
        accounts = self.settings.accounts
        role_name = self.settings.role_name
        if accounts is None:
            return [Target(caller.account)]
        if isinstance(accounts, list):
            return targets_from_list(accounts, caller.account, caller.partition, role_name)
        # The organisation: listed by the caller (management account or delegated admin).
        started = utcnow()
        scope = f"{PROVIDER}:{caller.account}"
        ctx = Context(
            session, caller.account, caller.partition, caller.principal, session.home_region, scope, started
        )
        try:
            pages, _ = ctx.pages("organizations", "ListAccounts", "Accounts")
        except AwsCallFailed as failure:
            # The caller's own account can still be read; the rest of the organisation is a gap.
            message = redact_text(f"cannot list the organization's accounts: {failure}")
            collection.errors.append(ScopeError(PROVIDER, scope, message, "organizations", every_type()))
            collection.scopes.append(ScopeRecord(PROVIDER, scope, started, utcnow(), message))
            return [Target(caller.account)]
        targets = [
            own_or_role(a, caller.account, caller.partition, role_name) for a in organization_accounts(pages)
        ]
        # The organisation's accounts are the management account's account-wide evidence.
        account_wide = replace(ctx, scope=f"{PROVIDER}:{caller.account}:global")
        collection.observations.extend(inventory(account_wide, pages, {t.account for t in targets}))
        return targets

    def _enter(
        self, plan_: AccountPlan, caller_session: AwsSession, caller: Identity, external: str | None
    ) -> None:
        """Enter one account (assume its role) and plan its units; failures become
        the plan's errors, never exceptions."""
        target = plan_.target
        scope = f"{PROVIDER}:{target.account}"
        started = utcnow()
        session, identity = caller_session, caller
        if target.role_arn is not None:
            try:
                session, principal = assume(caller_session, target.role_arn, external)
            except AwsCallFailed as failure:
                message = redact_text(f"account {target.account}: cannot assume {target.role_arn}: {failure}")
                plan_.errors.append(ScopeError(PROVIDER, scope, message, "sts", every_type()))
                plan_.records.append(ScopeRecord(PROVIDER, scope, started, utcnow(), message))
                return
            identity = Identity(target.account, caller.partition, principal)
        regions = self._regions(session, identity, plan_)
        # The organisation's own readers run once, in the caller's account.
        organization_region = None
        if target.role_arn is None and target.account == caller.account:
            organization_region = self.settings.identity_center_region or session.home_region
        plan_.units = plan(
            identity.account, session.home_region, regions, session, identity, organization_region
        )

    def _regions(self, session: AwsSession, identity: Identity, plan_: AccountPlan) -> list[str]:
        """The configured regions that are enabled in the account, else every region
        enabled in it (what DescribeRegions lists by default: opt-in regions only
        once opted in)."""
        started = utcnow()
        scope = f"{PROVIDER}:{identity.account}"
        try:
            answer = invoke(session, "ec2", "DescribeRegions", session.home_region, expect="Regions")
        except AwsCallFailed as failure:
            if self.settings.regions:
                return list(self.settings.regions)  # each unit will say what it could not read
            message = redact_text(f"account {identity.account}: cannot list its regions: {failure}")
            plan_.errors.append(ScopeError(PROVIDER, scope, message, "ec2", regional_types()))
            plan_.records.append(ScopeRecord(PROVIDER, scope, started, utcnow(), message))
            return []
        assert answer is not None
        enabled = sorted(r["RegionName"] for r in answer["Regions"])
        if not self.settings.regions:
            return enabled
        for region in self.settings.regions:
            if region not in enabled:
                region_scope = f"{scope}:{region}"
                message = (
                    f"account {identity.account}: region {region} is not enabled "
                    "(an opt-in region not opted in, or not a region of this partition)"
                )
                plan_.errors.append(ScopeError(PROVIDER, region_scope, message, "ec2", regional_types()))
                plan_.records.append(ScopeRecord(PROVIDER, region_scope, started, utcnow(), message))
        return [r for r in self.settings.regions if r in enabled]


def plan(
    account: str,
    home_region: str,
    regions: list[str],
    session: AwsSession | None = None,
    identity: Identity | None = None,
    organization_region: str | None = None,
) -> list[Unit]:
    """Global readers once (called in the home region), regional ones per region, and
    the organisation's (Identity Center) in `organization_region` when it is given."""
    units = [
        Unit(r, home_region, f"{PROVIDER}:{account}:global", session, identity) for r in READERS.all(GLOBAL)
    ]
    if organization_region:
        units.extend(
            Unit(r, organization_region, f"{PROVIDER}:{account}:{organization_region}", session, identity)
            for r in READERS.all(ORGANIZATION)
        )
    for region in regions:
        units.extend(
            Unit(r, region, f"{PROVIDER}:{account}:{region}", session, identity)
            for r in READERS.all(REGIONAL)
        )
    return units


def read_unit(unit: Unit, progress: ProgressCallback | None = None) -> UnitOutcome:
    session, identity = unit.session, unit.identity
    assert session is not None and identity is not None
    ctx = Context(
        session=session,
        account=identity.account,
        partition=identity.partition,
        principal=identity.principal,
        region=unit.region,
        scope=unit.scope,
        observed_at=utcnow(),
    )
    return run_unit(
        PROVIDER,
        unit.reader,
        ctx,
        unit.scope,
        expected=(AwsCallFailed,),
        describe=lambda failure: failure.describe() if isinstance(failure, AwsCallFailed) else str(failure),
        stepped_over=ctx.stepped_over,
        progress=progress,
    )


def merge(observations: list[Observation]) -> list[Observation]:
    """One observation per resource: parts of the same resource (the account's
    settings, read by several readers) are combined, first part first."""
    merged: dict[tuple[str, str, str, str], Observation] = {}
    for part in observations:
        first = merged.get(part.key)
        if first is None:
            merged[part.key] = part
            continue
        merged[part.key] = Observation(
            provider=first.provider,
            scope=first.scope,
            type=first.type,
            id=first.id,
            name=first.name or part.name,
            attributes={**first.attributes, **part.attributes},
            raw={**first.raw, **part.raw},
            calls=[*first.calls, *part.calls],
            principal=first.principal,
            observed_at=min(first.observed_at, part.observed_at),
        )
    return list(merged.values())
