"""Organisation members (identity.user): everyone the organisation lets in, so that their
accounts are matched to HR's roster (a leaver's surviving account fails deprovisioning).

- Members: `GET /orgs/{org}/members`; owners: the same with `role=admin`
  (docs.github.com/en/rest/orgs/members#list-organization-members).
- Two-factor state: the `2fa_disabled` filter, shown to organisation owners only (read
  once with the organisation reader); otherwise `unreadable`.
- Email, to match the roster: the SAML identity the organisation's identity provider
  linked (GraphQL `organization.samlIdentityProvider.externalIdentities`: organisations
  with SAML single sign-on, read by an owner; `samlIdentityProvider` is null otherwise,
  github/platform-samples#168), else the user's public email (`GET /users/{username}`),
  else none: the people view's alias map (`people.aliases`) names the person.
- GitHub shows neither when a member joined nor their last sign-in: `created` and
  `last_activity` stay None.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from evidra.collectors.github.api import GitHubCallFailed
from evidra.collectors.github.context import READERS, Context
from evidra.collectors.github.organization import members_without_2fa
from evidra.collectors.source_control import Member, member_observations
from evidra.model import Observation

OWNER = "owner"  # GitHub's `admin` role: an organisation owner
# Statuses and GraphQL refusals by which GitHub keeps SAML identities from a credential
# that is not an owner's (or an organisation without SAML single sign-on).
_SAML_NOT_VISIBLE = frozenset({200, 401, 403, 404})
SAML_QUERY = """
query($login: String!, $after: String) {
  organization(login: $login) {
    samlIdentityProvider {
      externalIdentities(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { samlIdentity { nameId emails { value primary } } user { login } }
      }
    }
  }
}
"""


@READERS.reader("github.members", types=("identity.user",))
def read_members(ctx: Context) -> list[Observation]:
    api, org = ctx.api, quote(ctx.org)
    members = [m for page in api.pages("listMembers", f"/orgs/{org}/members") for m in page if _user(m)]
    owners = {
        str(m["login"]).lower()
        for page in api.pages("listMembers", f"/orgs/{org}/members", {"role": "admin"})
        for m in page
        if _user(m)
    }
    without_2fa = members_without_2fa(ctx)
    saml = saml_emails(ctx)
    calls = [
        api.call("listMembers", org=ctx.org),
        api.call("listMembers", org=ctx.org, role="admin"),
        api.call("listMembers2faDisabled", org=ctx.org),
        api.call("graphql.externalIdentities", org=ctx.org),
        api.call("getUser", org=ctx.org),
    ]
    found = [
        Member(
            id=str(m.get("html_url") or f"{ctx.settings.api_url}/users/{m['login']}"),
            login=str(m["login"]),
            email=saml.get(str(m["login"]).lower()),
            email_source="saml",
            admin_roles=(OWNER,) if str(m["login"]).lower() in owners else (),
            status="active",
            created=None,
            mfa_enabled=None if without_2fa is None else m["login"] not in without_2fa,
            mfa_unreadable="GitHub shows two-factor state to organisation owners only",
            raw={k: m[k] for k in ("login", "id", "html_url", "type", "site_admin") if k in m},
        )
        for m in members
    ]
    return member_observations(ctx, found, lambda member: _public_email(ctx, member.login), calls)


def saml_emails(ctx: Context) -> dict[str, str]:
    """login (lower case) -> the email of the SAML identity linked to it; empty when the
    organisation has no SAML single sign-on or the credential may not see it."""
    found: dict[str, str] = {}
    after: str | None = None
    while True:
        try:
            data = ctx.api.graphql(
                "graphql.externalIdentities", SAML_QUERY, {"login": ctx.org, "after": after}
            )
        except GitHubCallFailed as failure:
            if failure.status in _SAML_NOT_VISIBLE:
                return found
            raise
        provider = (data.get("organization") or {}).get("samlIdentityProvider")
        identities = (provider or {}).get("externalIdentities") or {}
        for node in identities.get("nodes") or []:
            login = ((node or {}).get("user") or {}).get("login")
            email = _saml_email((node or {}).get("samlIdentity") or {})
            if login and email:
                found[str(login).lower()] = email
        page = identities.get("pageInfo") or {}
        if not page.get("hasNextPage") or not page.get("endCursor"):
            return found
        after = str(page["endCursor"])


def _saml_email(identity: dict[str, Any]) -> str | None:
    """The `nameId` when it is an address (most identity providers send the email), else
    the primary of the assertion's emails."""
    name_id = str(identity.get("nameId") or "")
    if "@" in name_id:
        return name_id
    emails = [e for e in identity.get("emails") or [] if isinstance(e, dict) and e.get("value")]
    primary = next((e for e in emails if e.get("primary")), emails[0] if emails else None)
    return str(primary["value"]) if primary else None


def _public_email(ctx: Context, login: str) -> str | None:
    user = ctx.api.get("getUser", f"/users/{quote(login)}", absent_ok=True).body
    email = user.get("email") if isinstance(user, dict) else None
    return str(email) if email else None


def _user(member: Any) -> bool:
    return isinstance(member, dict) and bool(member.get("login"))
