"""Group members (identity.user): everyone with access through the group, inherited
memberships included (`GET /groups/:id/members/all`, docs.gitlab.com/ee/api/members.html),
so that their accounts are matched to HR's roster.

- Role: `access_level`; Owner (50) and above administer the group (`admin_roles`).
- State: the user's `state` (`active`, `blocked`, `deactivated` ...); anything but active
  is a disabled account. `created_at` is when the membership was made.
- Email, to match the roster: the member's `email`, which GitLab shows to group owners
  for the group's enterprise users; else the SAML identity's `extern_uid` when it is an
  address (`group_saml_identity`, group owners of SSO-enabled groups); else the user's
  `public_email` (`GET /users/:id`); else none: the people view's alias map names them.
- Two-factor state is shown to instance administrators only: `unreadable`.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.gitlab.context import READERS, Context
from evidra.collectors.gitlab.projects import ACCESS, group_member_list
from evidra.collectors.source_control import Member, member_observations, parse_time
from evidra.model import Observation, iso

OWNER_LEVEL = 50
_KEPT = ("id", "username", "name", "state", "access_level", "web_url", "created_at", "expires_at")


@READERS.reader("gitlab.members", types=("identity.user",))
def read_members(ctx: Context) -> list[Observation]:
    members = {str(m["username"]): m for m in group_member_list(ctx)}
    group = ctx.group.get("full_path")
    calls = [ctx.api.call("listGroupMembersAll", group=group), ctx.api.call("getUser", group=group)]
    found = []
    for login, m in sorted(members.items()):
        email, source = _listed_email(m)
        level = int(m.get("access_level") or 0)
        found.append(
            Member(
                id=str(m.get("web_url") or f"{ctx.settings.url}/{login}"),
                login=login,
                email=email,
                email_source=source,
                admin_roles=(ACCESS.get(level, str(level)),) if level >= OWNER_LEVEL else (),
                status=str(m.get("state") or "active"),
                created=iso(parse_time(m.get("created_at"))),
                mfa_enabled=None,
                mfa_unreadable="GitLab shows two-factor state to instance administrators only",
                raw={k: m[k] for k in _KEPT if k in m},
            )
        )
    return member_observations(ctx, found, lambda member: _public_email(ctx, member), calls)


def _listed_email(member: dict[str, Any]) -> tuple[str | None, str | None]:
    if member.get("email"):
        return str(member["email"]), "enterprise"
    extern = str((member.get("group_saml_identity") or {}).get("extern_uid") or "")
    return (extern, "saml") if "@" in extern else (None, None)


def _public_email(ctx: Context, member: Member) -> str | None:
    user = ctx.api.get("getUser", f"/users/{int(member.raw['id'])}", absent_ok=True).body
    email = user.get("public_email") if isinstance(user, dict) else None
    return str(email) if email else None
