"""AwsCollector: who am I, which regions, then every (region, resource manager) unit in parallel.

Scopes are `aws:{account}:global` for global managers (IAM, S3, trail coverage) and
`aws:{account}:{region}` for regional ones. A unit that fails becomes a ScopeError
for its scope and types; every other unit still reports. Several global managers
contribute attributes to the one account-settings observation; they are merged
after the run (in unit order, so the result does not depend on thread timing).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

# Importing the service modules registers their resource managers, in this order.
from evidra.collectors.aws import cloudtrail, ec2, iam, kms, rds, s3  # noqa: F401
from evidra.collectors.aws.registry import (
    MANAGERS,
    PROVIDER,
    AwsCallFailed,
    Context,
    ResourceManager,
    invoke,
)
from evidra.collectors.aws.session import AwsSession
from evidra.collectors.base import ProgressCallback
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
    manager: ResourceManager
    region: str
    scope: str


@dataclass
class UnitOutcome:
    observations: list[Observation]
    record: ScopeRecord
    errors: list[ScopeError] = field(default_factory=list)


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
        identity = self._identity(session, collection)
        if identity is None:
            return collection
        regions = self._regions(session, identity, collection)
        units = plan(identity.account, session.home_region, regions)

        outcomes: dict[int, UnitOutcome] = {}
        with ThreadPoolExecutor(
            max_workers=self.settings.max_workers, thread_name_prefix="evidra-aws"
        ) as pool:
            futures = {pool.submit(run_unit, unit, session, identity): i for i, unit in enumerate(units)}
            for future in as_completed(futures):
                index = futures[future]
                outcomes[index] = future.result()
                if progress is not None:
                    progress(_progress_line(units[index], outcomes[index]))

        # In plan order, whatever order the units finished in.
        observations: list[Observation] = []
        for index in range(len(units)):
            outcome = outcomes[index]
            observations.extend(outcome.observations)
            collection.errors.extend(outcome.errors)
            collection.scopes.append(outcome.record)
        collection.observations.extend(merge(observations))
        return collection

    def _identity(self, session: AwsSession, collection: Collection) -> Identity | None:
        started = utcnow()
        try:
            answer = invoke(session, "sts", "GetCallerIdentity", session.home_region, expect="Arn")
        except AwsCallFailed as failure:
            message = redact_text(str(failure))
            every_type = tuple(sorted({t for m in MANAGERS.values() for t in m.types}))
            collection.errors.append(ScopeError(PROVIDER, PROVIDER, message, "sts", every_type))
            collection.scopes.append(ScopeRecord(PROVIDER, PROVIDER, started, utcnow(), message))
            return None
        assert answer is not None
        arn = answer["Arn"]
        return Identity(account=arn.split(":")[4], partition=arn.split(":")[1], principal=arn)

    def _regions(self, session: AwsSession, identity: Identity, collection: Collection) -> list[str]:
        """The configured regions, else every region enabled for the account (what
        DescribeRegions lists by default: opt-in regions only once opted in)."""
        if self.settings.regions:
            return list(self.settings.regions)
        started = utcnow()
        try:
            answer = invoke(session, "ec2", "DescribeRegions", session.home_region, expect="Regions")
        except AwsCallFailed as failure:
            scope = f"{PROVIDER}:{identity.account}"
            message = redact_text(str(failure))
            regional_types = tuple(sorted({t for m in MANAGERS.values() if not m.is_global for t in m.types}))
            collection.errors.append(ScopeError(PROVIDER, scope, message, "ec2", regional_types))
            collection.scopes.append(ScopeRecord(PROVIDER, scope, started, utcnow(), message))
            return []
        assert answer is not None
        return sorted(r["RegionName"] for r in answer["Regions"])


def plan(account: str, home_region: str, regions: list[str]) -> list[Unit]:
    """Global managers once (called in the home region), regional ones per region."""
    units = [Unit(m, home_region, f"{PROVIDER}:{account}:global") for m in MANAGERS.values() if m.is_global]
    for region in regions:
        units.extend(
            Unit(m, region, f"{PROVIDER}:{account}:{region}") for m in MANAGERS.values() if not m.is_global
        )
    return units


def run_unit(unit: Unit, session: AwsSession, identity: Identity) -> UnitOutcome:
    started = utcnow()
    ctx = Context(
        session=session,
        account=identity.account,
        partition=identity.partition,
        principal=identity.principal,
        region=unit.region,
        scope=unit.scope,
        observed_at=started,
    )
    observations: list[Observation] = []
    failures: list[str] = []
    try:
        observations = unit.manager.read(ctx)
    except AwsCallFailed as failure:
        failures.append(failure.describe())
    except Exception as exc:  # a bug of ours must not cost the other units
        log.exception("resource manager %s failed in %s", unit.manager.name, unit.region)
        failures.append(
            f"{unit.manager.service} internal error in {unit.region}: {type(exc).__name__}: {exc}"
        )
    failures.extend(f.describe() for f in ctx.skipped)

    message = None
    errors = []
    if failures:
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        message = redact_text(failures[0] + more)
        errors.append(ScopeError(PROVIDER, unit.scope, message, unit.manager.service, unit.manager.types))
    record = ScopeRecord(PROVIDER, unit.scope, started, utcnow(), message)
    return UnitOutcome(observations, record, errors)


def merge(observations: list[Observation]) -> list[Observation]:
    """One observation per resource: parts of the same resource (the account's
    settings, read by several managers) are combined, first part first."""
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


def _progress_line(unit: Unit, outcome: UnitOutcome) -> str:
    what = f"{unit.scope} {unit.manager.name}"
    if outcome.record.error:
        return f"{what}: {outcome.record.error}"
    return f"{what}: {len(outcome.observations)} resource(s)"
