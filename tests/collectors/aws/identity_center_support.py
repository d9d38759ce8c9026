"""An IAM Identity Center directory seeded in moto through boto3, as an administrator
would make it: users, a group, permission sets and account assignments."""

from __future__ import annotations

import json
from typing import Any

import boto3

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"


def seed_identity_center(
    endpoint: str, account: str, region: str = "us-east-1", **credentials: str
) -> dict[str, Any]:
    """alice (an administrator through the `platform-admins` group), bob (read-only,
    assigned directly), carol (no assignment) and mallory (a personal address only).
    Returns the ids made."""
    options: dict[str, Any] = {"region_name": region, "endpoint_url": endpoint, **credentials}
    sso, store = boto3.client("sso-admin", **options), boto3.client("identitystore", **options)
    instance = sso.list_instances()["Instances"][0]
    arn, directory = instance["InstanceArn"], instance["IdentityStoreId"]

    def user(name: str, email: str | None) -> str:
        # A personal address listed first: the primary one is what people are matched by.
        emails = [{"Value": "personal@example.org", "Type": "home", "Primary": False}]
        if email:
            emails.append({"Value": email, "Type": "work", "Primary": True})
        made = store.create_user(
            IdentityStoreId=directory,
            UserName=name,
            DisplayName=name.split("@")[0],
            Name={"GivenName": name[:1].upper(), "FamilyName": "Example"},
            Emails=emails,
        )
        return str(made["UserId"])

    def permission_set(name: str, managed: str | None = None, inline: str | None = None) -> str:
        made = sso.create_permission_set(InstanceArn=arn, Name=name)["PermissionSet"]["PermissionSetArn"]
        if managed:
            sso.attach_managed_policy_to_permission_set(
                InstanceArn=arn, PermissionSetArn=made, ManagedPolicyArn=managed
            )
        if inline:
            sso.put_inline_policy_to_permission_set(
                InstanceArn=arn, PermissionSetArn=made, InlinePolicy=inline
            )
        return str(made)

    def assign(principal: str, kind: str, permission: str) -> None:
        sso.create_account_assignment(
            InstanceArn=arn,
            TargetId=account,
            TargetType="AWS_ACCOUNT",
            PermissionSetArn=permission,
            PrincipalType=kind,
            PrincipalId=principal,
        )

    users = {
        "alice": user("alice.admin@acme.example", "Alice.Admin@acme.example"),
        "bob": user("bob", "bob.builder@acme.example"),
        "carol": user("carol.leaver@acme.example", "carol.leaver@acme.example"),
        "mallory": user("mallory", None),
    }
    admins = store.create_group(IdentityStoreId=directory, DisplayName="platform-admins")["GroupId"]
    store.create_group_membership(
        IdentityStoreId=directory, GroupId=admins, MemberId={"UserId": users["alice"]}
    )
    administrator = permission_set("PlatformAdministrator", managed=ADMIN_POLICY)
    read_only = permission_set(
        "ReadOnly",
        inline=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}],
            }
        ),
    )
    assign(admins, "GROUP", administrator)
    assign(users["bob"], "USER", read_only)
    return {"instance": arn, "store": directory, "users": users, "group": admins}
