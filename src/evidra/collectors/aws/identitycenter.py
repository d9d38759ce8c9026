"""IAM Identity Center users (identity.user): the people who sign in to the AWS access
portal, with the accounts and permission sets they are assigned.

Identity Center lives in one region of the management account (or a delegated
administrator), so this reader runs once per run, not per account and region: in the
caller's account, in `identity_center_region` (default: the home region). `ListInstances`
names the instance(s) and their identity store; `identitystore ListUsers` (pages of at
most 100) gives each user's name, emails and, where AWS reports it, `UserStatus`
(ENABLED | DISABLED) and `CreatedAt` (botocore's identitystore model, User shape).

Access: `ListAccountAssignmentsForPrincipal` for the user (direct assignments) and for
each group the user is in (`ListGroupMembershipsForMember`; a group's assignments are
read once however many members it has). A permission set is privileged when it carries
the AWS managed AdministratorAccess policy or an inline policy allowing every action on
every resource (`ListManagedPoliciesInPermissionSet`, `GetInlinePolicyForPermissionSet`,
once per permission set). Identity Center reports no per-user MFA devices and no last
sign-in through its APIs: those attributes are `inapplicable` with the reason, so the
MFA and inactivity controls are `not_applicable` on these accounts, never passed, and
the reason says where the evidence is (the identity provider Identity Center federates,
whose users evidra judges, or the instance's MFA setting). Not `unreadable`: that would
be an `error`, and an exit code 3, on every run of every organisation using it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from evidra.collectors.aws.policy_doc import allows_everything
from evidra.collectors.aws.registry import ORGANIZATION, READERS, Context
from evidra.model import ApiCall, Observation

# Why the MFA and inactivity controls do not apply to these accounts (see the docstring).
NO_MFA_API = (
    "an Identity Center user signs in through the instance's identity source: MFA is that source's "
    "(an external identity provider's users, judged there) or the instance's MFA setting, which no "
    "AWS API reports per user"
)
NO_SIGN_IN_API = (
    "Identity Center reports no last sign-in through its API (the identity source's sign-ins, or "
    "CloudTrail's, show activity)"
)
USER_FIELDS = ("UserId", "UserName", "DisplayName", "UserStatus", "IdentityStoreId", "ExternalIds")


@READERS.reader("identitycenter.users", service="identitystore", types=("identity.user",), plane=ORGANIZATION)
def read_users(ctx: Context) -> list[Observation]:
    instances, list_call = ctx.items("sso-admin", "ListInstances", "Instances")
    observations: list[Observation] = []
    for instance in instances:
        if instance.get("Status", "ACTIVE") != "ACTIVE":
            continue  # being created or deleted: no directory to read yet
        observations.extend(_Instance(ctx, instance, list_call).users())
    return observations


class _Instance:
    def __init__(self, ctx: Context, instance: dict[str, Any], list_call: ApiCall) -> None:
        self.ctx = ctx
        self.arn = str(instance["InstanceArn"])
        self.store = str(instance["IdentityStoreId"])
        self.list_call = list_call
        self.groups: dict[str, tuple[list[dict[str, Any]], ApiCall]] = {}
        self.permission_sets: dict[str, tuple[dict[str, Any], list[ApiCall]]] = {}

    def users(self) -> list[Observation]:
        users, users_call = self.ctx.items(
            "identitystore",
            "ListUsers",
            "Users",
            IdentityStoreId=self.store,
            PaginationConfig={"PageSize": 100},
        )
        return [self._user(user, users_call) for user in users]

    def _user(self, user: dict[str, Any], users_call: ApiCall) -> Observation:
        ctx = self.ctx
        user_id = str(user["UserId"])
        memberships, membership_call = ctx.items(
            "identitystore",
            "ListGroupMembershipsForMember",
            "GroupMemberships",
            IdentityStoreId=self.store,
            MemberId={"UserId": user_id},
        )
        direct, direct_call = self._assignments(user_id, "USER")
        calls = [self.list_call, users_call, membership_call, direct_call]
        assignments = [dict(a, Via="direct") for a in direct]
        for membership in memberships:
            group = str(membership.get("GroupId"))
            if group not in self.groups:
                self.groups[group] = self._assignments(group, "GROUP")
            held, group_call = self.groups[group]
            calls.append(group_call)
            assignments.extend(dict(a, Via=f"group {group}") for a in held)
        admin_roles = set()
        for assignment in assignments:
            permission_set, set_calls = self._permission_set(str(assignment.get("PermissionSetArn")))
            calls.extend(set_calls)
            assignment["PermissionSet"] = permission_set["Name"]
            if permission_set["Privileged"]:
                admin_roles.add(str(permission_set["Name"]))
        status = user.get("UserStatus")
        disabled = status == "DISABLED"
        created = user.get("CreatedAt")
        emails = [e for e in user.get("Emails") or [] if isinstance(e, dict) and e.get("Value")]
        primary = next((e for e in emails if e.get("Primary")), emails[0] if emails else None)
        raw_user = {k: user[k] for k in USER_FIELDS if k in user}
        raw_user["Emails"] = [{k: e.get(k) for k in ("Value", "Type", "Primary") if k in e} for e in emails]
        return ctx.observe(
            "identity.user",
            str(user.get("UserArn") or f"arn:{ctx.partition}:identitystore:::user/{user_id}"),
            name=str(user.get("UserName") or user_id),
            attributes={
                "name": user.get("UserName"),
                "email": str(primary["Value"]).lower() if primary else None,
                "kind": "human",
                "console_access": not disabled,  # the AWS access portal
                "mfa_enabled": None,
                "mfa_methods": None,
                "last_login": None,
                "last_activity": None,
                "created": created.isoformat() if isinstance(created, datetime) else created,
                "privileged": bool(admin_roles),
                "admin_roles": sorted(admin_roles),
                "disabled": disabled,
                "status": status,
                "inapplicable": {
                    "mfa_enabled": NO_MFA_API,
                    "mfa_methods": NO_MFA_API,
                    "last_login": NO_SIGN_IN_API,
                    "last_activity": NO_SIGN_IN_API,
                },
            },
            raw={
                "instance": {"InstanceArn": self.arn, "IdentityStoreId": self.store},
                "ListUsers": raw_user,
                "ListGroupMembershipsForMember": [m.get("GroupId") for m in memberships],
                "assignments": assignments,
            },
            calls=_unique(calls),
        )

    def _assignments(self, principal: str, kind: str) -> tuple[list[dict[str, Any]], ApiCall]:
        found, call = self.ctx.items(
            "sso-admin",
            "ListAccountAssignmentsForPrincipal",
            "AccountAssignments",
            InstanceArn=self.arn,
            PrincipalId=principal,
            PrincipalType=kind,
        )
        return [{k: a.get(k) for k in ("AccountId", "PermissionSetArn")} for a in found], call

    def _permission_set(self, arn: str) -> tuple[dict[str, Any], list[ApiCall]]:
        if arn not in self.permission_sets:
            ctx, params = self.ctx, {"InstanceArn": self.arn, "PermissionSetArn": arn}
            described, describe_call = ctx.call(
                "sso-admin", "DescribePermissionSet", expect="PermissionSet", **params
            )
            managed, managed_call = ctx.items(
                "sso-admin", "ListManagedPoliciesInPermissionSet", "AttachedManagedPolicies", **params
            )
            inline, inline_call = ctx.call("sso-admin", "GetInlinePolicyForPermissionSet", **params)
            admin = f"arn:{ctx.partition}:iam::aws:policy/AdministratorAccess"
            document = inline.get("InlinePolicy") or ""
            privileged = any(p.get("Arn") == admin for p in managed) or (
                bool(document) and allows_everything(json.loads(document))
            )
            name = described["PermissionSet"].get("Name") or arn
            self.permission_sets[arn] = (
                {"Name": name, "Privileged": privileged},
                [describe_call, managed_call, inline_call],
            )
        return self.permission_sets[arn]


def _unique(calls: list[ApiCall]) -> list[ApiCall]:
    seen: list[ApiCall] = []
    for call in calls:
        if call not in seen:
            seen.append(call)
    return seen
