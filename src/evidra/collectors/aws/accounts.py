"""Which accounts to read, and how to get into each.

`providers.aws.accounts`:

- unset: the caller's own account, with the caller's credentials;
- `organization`: every ACTIVE account of the caller's organisation (Organizations
  ListAccounts, so the caller is the management account or a delegated
  administrator), each entered by assuming `role_name`;
- a list of 12-digit account ids (entered through `role_name`) or of role ARNs
  (assumed as given).

The caller's own account is always read with the caller's own credentials: no role
needs to exist there. Roles are assumed with session name `evidra` and, when
`external_id_env` names an environment variable, that variable's value as the
external id (read at run time, never stored, logged or recorded as provenance).
Assumed credentials refresh themselves before they expire, so an account whose
units wait long in the queue of a large organisation is still readable.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import botocore.session
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials

from evidra.collectors.aws.registry import AwsCallFailed, Context, invoke
from evidra.collectors.aws.session import AwsSession
from evidra.config.loader import ConfigError
from evidra.model import ApiCall, Observation

SESSION_NAME = "evidra"
_ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Target:
    """One account to read: with the caller's credentials (`role_arn` None) or a role's."""

    account: str
    role_arn: str | None = None


def targets_from_list(
    entries: list[str], caller_account: str, partition: str, role_name: str | None
) -> list[Target]:
    """Account ids and role ARNs, in the order given, each account once."""
    found: dict[str, Target] = {}
    for entry in entries:
        if _ACCOUNT_ID.match(entry):
            target = own_or_role(entry, caller_account, partition, role_name)
        else:
            target = Target(entry.split(":")[4], entry)
        found.setdefault(target.account, target)
    return list(found.values())


def own_or_role(account: str, caller_account: str, partition: str, role_name: str | None) -> Target:
    if account == caller_account:
        return Target(account)
    if not role_name:
        raise ConfigError(
            f"providers.aws.role_name: needed to enter account {account}; "
            "set the role evidra assumes in each member account (or list role ARNs)"
        )
    return Target(account, f"arn:{partition}:iam::{account}:role/{role_name}")


def organization_accounts(pages: list[dict[str, Any]]) -> list[str]:
    """The ids of the ACTIVE accounts in ListAccounts pages (suspended and closing
    accounts cannot be entered and hold nothing to judge)."""
    accounts = []
    for page in pages:
        for account in page.get("Accounts", []):
            state = account.get("State") or account.get("Status")
            if state == "ACTIVE":
                accounts.append(str(account["Id"]))
    return sorted(set(accounts))


def inventory(ctx: Context, pages: list[dict[str, Any]], collected: set[str]) -> list[Observation]:
    """Every account of the organisation (the scope inventory, seed002.scope_inventory):
    whether it is active and whether evidra reads it."""
    call = ApiCall("organizations", "ListAccounts", {}, ctx.region)
    observations = []
    for page in pages:
        for account in page.get("Accounts", []):
            state = str(account.get("State") or account.get("Status"))
            observations.append(
                ctx.observe(
                    "inventory.scope",
                    str(account.get("Arn") or ctx.arn("organizations", f"account/{account['Id']}")),
                    name=f"{account.get('Name') or account['Id']} ({account['Id']})",
                    attributes={
                        "kind": "aws_account",
                        "status": state,
                        "active": state == "ACTIVE",
                        "collected": str(account["Id"]) in collected,
                    },
                    raw={"ListAccounts": {k: v for k, v in account.items() if k != "JoinedTimestamp"}},
                    calls=[call],
                )
            )
    return observations


def external_id(env_name: str | None) -> str | None:
    """The external id from the environment variable named in the config."""
    if not env_name:
        return None
    value = os.environ.get(env_name)
    if not value:
        raise ConfigError(f"providers.aws.external_id_env: the environment variable {env_name} is not set")
    return value


def assume(caller: AwsSession, role_arn: str, external: str | None) -> tuple[AwsSession, str]:
    """A session in another account through STS AssumeRole, and the assumed principal.

    Raises AwsCallFailed (with the role ARN as its resource) when the role cannot be
    assumed. The session shares the caller's settings, home region and event hooks
    (so a benchmark or a test counting requests sees every account's)."""
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
    if external:
        params["ExternalId"] = external

    def fetch() -> dict[str, str]:
        answer = invoke(caller, "sts", "AssumeRole", caller.home_region, expect="Credentials", **params)
        assert answer is not None
        credentials = answer["Credentials"]
        expiry = credentials["Expiration"]
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": expiry.isoformat() if isinstance(expiry, datetime) else str(expiry),
            "principal": answer.get("AssumedRoleUser", {}).get("Arn", role_arn),
        }

    try:
        first = fetch()
    except AwsCallFailed as failure:
        failure.resource = role_arn
        raise
    credentials = RefreshableCredentials.create_from_metadata(
        metadata=first, refresh_using=fetch, method="evidra-assume-role"
    )
    # The caller's hooks, copied: botocore's and boto3's own handlers are among them.
    core = botocore.session.Session(event_hooks=copy.copy(caller.boto.events), include_builtin_handlers=False)
    core.register_component("credential_provider", CredentialResolver([_Given(credentials)]))
    boto = _CopiedHooksSession(botocore_session=core, region_name=caller.home_region)
    return AwsSession(caller.settings, boto, home_region=caller.home_region), first["principal"]


class _CopiedHooksSession(boto3.Session):
    """A boto3 session over hooks copied from another: boto3's default handlers are
    among them already, and registered twice they fail (S3's injected methods)."""

    def _register_default_handlers(self) -> None:
        pass


class _Given(CredentialProvider):
    METHOD = "evidra-assume-role"

    def __init__(self, credentials: RefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self._credentials
