"""Okta organisations for the fake: a small realistic one that fails some controls on
purpose, and a synthetic one of any size for benchmarks.

Shapes follow Okta's Management API answers (users, factors, role assignments, groups,
PASSWORD / OKTA_SIGN_ON / ACCESS_POLICY policies and rules, API tokens, System Log
events). Times are relative to now, so age-based controls stay meaningful.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, overload

from evidra.emulators.okta_server import OktaOrg

ORG = "https://acme.okta.com"
NOW = datetime.now(UTC).replace(microsecond=0)


def at(days_ago: float = 0, hours_ago: float = 0) -> str:
    moment = NOW - timedelta(days=days_ago, hours=hours_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def user(
    uid: str,
    login: str,
    status: str = "ACTIVE",
    *,
    created_days: float = 300,
    last_login_days: float | None = 1,
    provider: str = "OKTA",
    status_changed_days: float | None = None,
) -> dict[str, Any]:
    first, _, rest = login.partition("@")
    credentials: dict[str, Any] = {
        "emails": [{"value": login, "status": "VERIFIED", "type": "PRIMARY"}],
        "provider": {"type": provider, "name": provider},
    }
    if provider == "OKTA" and status not in ("STAGED", "PROVISIONED"):
        credentials["password"] = {}
        credentials["recovery_question"] = {"question": "Name of your first pet?"}
    return {
        "id": uid,
        "status": status,
        "created": at(created_days),
        "activated": None if status == "STAGED" else at(created_days - 0.01),
        "statusChanged": at(status_changed_days if status_changed_days is not None else created_days),
        "lastLogin": None if last_login_days is None else at(last_login_days),
        "lastUpdated": at(1),
        "passwordChanged": at(30),
        "type": {"id": "oty1defaultusertype"},
        "profile": {
            "firstName": first.capitalize(),
            "lastName": "Example",
            "mobilePhone": "+1 555 0100",
            "secondEmail": None,
            "login": login,
            "email": login,
            "department": rest,
        },
        "credentials": credentials,
        "_links": {"self": {"href": f"{ORG}/api/v1/users/{uid}"}},
    }


def factor(
    fid: str, kind: str, provider: str = "OKTA", status: str = "ACTIVE", **profile: Any
) -> dict[str, Any]:
    return {
        "id": fid,
        "factorType": kind,
        "provider": provider,
        "vendorName": provider,
        "status": status,
        "created": at(200),
        "lastUpdated": at(100),
        "profile": profile,
        "_links": {"self": {"href": f"{ORG}/api/v1/users/x/factors/{fid}"}},
    }


def role(rid: str, kind: str, label: str, assignment: str = "USER") -> dict[str, Any]:
    return {
        "id": rid,
        "label": label,
        "type": kind,
        "status": "ACTIVE",
        "created": at(400),
        "lastUpdated": at(400),
        "assignmentType": assignment,
        "_links": {"assignee": {"href": f"{ORG}/api/v1/users/x"}},
    }


def group(gid: str, name: str, kind: str = "OKTA_GROUP") -> dict[str, Any]:
    return {
        "id": gid,
        "created": at(500),
        "lastUpdated": at(10),
        "lastMembershipUpdated": at(5),
        "objectClass": ["okta:user_group"],
        "type": kind,
        "profile": {"name": name, "description": f"{name} group"},
        "_links": {"self": {"href": f"{ORG}/api/v1/groups/{gid}"}},
    }


def password_policy(
    pid: str,
    name: str,
    priority: int,
    groups: list[str],
    *,
    min_length: int,
    max_age: int,
    history: int,
    symbols: int = 1,
    status: str = "ACTIVE",
    lockout: int = 5,
    auto_unlock: int = 0,
) -> dict[str, Any]:
    return {
        "id": pid,
        "status": status,
        "name": name,
        "description": f"{name} for its groups",
        "priority": priority,
        "system": name == "Default Policy",
        "type": "PASSWORD",
        "conditions": {"people": {"groups": {"include": groups}}, "authProvider": {"provider": "OKTA"}},
        "settings": {
            "password": {
                "complexity": {
                    "minLength": min_length,
                    "minLowerCase": 1,
                    "minUpperCase": 1,
                    "minNumber": 1,
                    "minSymbol": symbols,
                    "excludeUsername": True,
                    "dictionary": {"common": {"exclude": True}},
                    "excludeAttributes": [],
                },
                "age": {
                    "maxAgeDays": max_age,
                    "expireWarnDays": 0,
                    "minAgeMinutes": 0,
                    "historyCount": history,
                },
                "lockout": {
                    "maxAttempts": lockout,
                    "autoUnlockMinutes": auto_unlock,
                    "showLockoutFailures": False,
                },
            },
            "recovery": {"factors": {"recovery_question": {"status": "ACTIVE"}}},
            "delegation": {"options": {"skipUnlock": False}},
        },
        "created": at(500),
        "lastUpdated": at(20),
        "_links": {"self": {"href": f"{ORG}/api/v1/policies/{pid}"}},
    }


def session_rule(
    rid: str, name: str, priority: int, *, mfa: bool, idle: int, lifetime: int = 0
) -> dict[str, Any]:
    return {
        "id": rid,
        "status": "ACTIVE",
        "name": name,
        "priority": priority,
        "system": name == "Default Rule",
        "type": "SIGN_ON",
        "created": at(500),
        "lastUpdated": at(20),
        "conditions": {"people": {"users": {"exclude": []}}, "network": {"connection": "ANYWHERE"}},
        "actions": {
            "signon": {
                "access": "ALLOW",
                "requireFactor": mfa,
                "primaryFactor": "PASSWORD_IDP_ANY_FACTOR",
                "factorPromptMode": "ALWAYS",
                "rememberDeviceByDefault": False,
                "session": {
                    "usePersistentCookie": False,
                    "maxSessionIdleMinutes": idle,
                    "maxSessionLifetimeMinutes": lifetime,
                },
            }
        },
    }


def access_rule(
    rid: str,
    name: str,
    priority: int,
    *,
    mode: str,
    groups: list[str] | None = None,
    methods: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    possession: dict[str, Any] = {"required": True}
    if methods:
        possession["authenticationMethods"] = [{"key": key, "method": method} for key, method in methods]
    return {
        "id": rid,
        "status": "ACTIVE",
        "name": name,
        "priority": priority,
        "system": name == "Catch-all Rule",
        "type": "ACCESS_POLICY",
        "conditions": {"people": {"groups": {"include": groups}}} if groups else None,
        "actions": {
            "appSignOn": {
                "access": "ALLOW",
                "verificationMethod": {
                    "factorMode": mode,
                    "type": "ASSURANCE",
                    "reauthenticateIn": "PT2H",
                    "constraints": [{"knowledge": {"types": ["password"]}, "possession": possession}],
                },
            }
        },
    }


def app(aid: str, name: str, label: str, mode: str, policy: str, status: str = "ACTIVE") -> dict[str, Any]:
    """An application as GET /api/v1/apps lists it (Identity Engine: bound to `policy`)."""
    return {
        "id": aid,
        "name": name,
        "label": label,
        "status": status,
        "signOnMode": mode,
        "created": at(400),
        "lastUpdated": at(30),
        "features": [],
        "visibility": {"autoSubmitToolbar": False, "hide": {"iOS": False, "web": False}},
        "credentials": {
            "signing": {"kid": f"kid-{aid}"},
            "userNameTemplate": {"template": "${source.login}"},
        },
        "settings": {"app": {}},
        "_links": {
            "accessPolicy": {"href": f"{ORG}/api/v1/policies/{policy}"},
            "self": {"href": f"{ORG}/api/v1/apps/{aid}"},
        },
    }


def signon_policy(pid: str, kind: str, name: str, priority: int, groups: list[str]) -> dict[str, Any]:
    return {
        "id": pid,
        "status": "ACTIVE",
        "name": name,
        "priority": priority,
        "system": False,
        "type": kind,
        "conditions": {"people": {"groups": {"include": groups}}} if groups else None,
        "created": at(500),
        "lastUpdated": at(20),
        "_links": {"rules": {"href": f"{ORG}/api/v1/policies/{pid}/rules"}},
    }


def event(uuid: str, kind: str, target_id: str, login: str, hours_ago: float, message: str) -> dict[str, Any]:
    return {
        "uuid": uuid,
        "published": at(hours_ago=hours_ago),
        "eventType": kind,
        "version": "0",
        "severity": "INFO",
        "displayMessage": message,
        "legacyEventType": "core.user.config." + kind.rsplit(".", 1)[-1],
        "actor": {"id": "00uadmin1", "type": "User", "alternateId": "ada@acme.com", "displayName": "Ada"},
        "client": {"ipAddress": "198.51.100.7", "userAgent": {"rawUserAgent": "Mozilla/5.0"}},
        "outcome": {"result": "SUCCESS", "reason": None},
        "target": [{"id": target_id, "type": "User", "alternateId": login, "displayName": login}],
        "transaction": {"type": "WEB", "id": "W1"},
        "debugContext": {"debugData": {"requestUri": "/api/v1/users/x/lifecycle/deactivate"}},
        "authenticationContext": {"authenticationStep": 0, "externalSessionId": "102abc"},
        "securityContext": {},
    }


EVERYONE, ADMINS, ENGINEERING, CONTRACTORS = (
    "00geveryone01",
    "00gadmins0001",
    "00gengineer01",
    "00gcontract01",
)
API_TOKEN = "00" + "Evidra_Test_Token_0123456789abcdefghijklmn"  # Okta-shaped: 00 + 40 characters


def demo_org() -> OktaOrg:
    """A small organisation that passes some controls and fails others on purpose."""
    users = [
        user("00uadmin1", "ada@acme.com", last_login_days=0.5),
        user("00uevidra1", "evidra-reader@acme.com", last_login_days=0.1),
        user("00ubob0001", "bob@acme.com"),
        user("00ucarol01", "carol@acme.com"),
        user("00udave001", "dave@acme.com", "SUSPENDED", status_changed_days=3),
        user("00uerin001", "erin@acme.com", "DEPROVISIONED", status_changed_days=1.9),
        user("00ufrank01", "frank@acme.com", last_login_days=200),
        user("00ugrace01", "grace@acme.com", provider="FEDERATION"),
        user("00uheidi01", "heidi@acme.com", "STAGED", created_days=2, last_login_days=None),
        user("00uivan001", "ivan@acme.com"),
    ]
    factors = {
        "00uadmin1": [
            factor("fwf1", "webauthn", authenticatorName="YubiKey 5 NFC", credentialId="abc"),
            factor("uft1", "token:software:totp", "GOOGLE", credentialId="ada@acme.com"),
        ],
        "00uevidra1": [factor("uft2", "token:software:totp", "OKTA", credentialId="evidra-reader@acme.com")],
        "00ucarol01": [factor("sms1", "sms", phoneNumber="+1-555-415-1337")],
        "00ufrank01": [factor("opf1", "push", deviceType="SmartPhone_IPhone", name="iPhone")],
        "00uivan001": [
            factor("uft3", "token:software:totp", "GOOGLE"),
            factor("q1", "question", question="pet"),
        ],
        "00ugrace01": [factor("em1", "email", status="PENDING_ACTIVATION", email="grace@acme.com")],
    }
    groups = [
        group(EVERYONE, "Everyone", "BUILT_IN"),
        group(ADMINS, "Okta Admins"),
        group(ENGINEERING, "Engineering"),
        group(CONTRACTORS, "Contractors"),
    ]
    memberships = {uid: [EVERYONE] for uid in (u["id"] for u in users)}
    memberships["00uadmin1"].append(ENGINEERING)
    memberships["00ucarol01"].append(ADMINS)
    admins_group_role = role("irb3", "ORG_ADMIN", "Organization Administrator", "GROUP")
    policies = [
        password_policy("00padmins01", "Administrators", 1, [ADMINS], min_length=16, max_age=90, history=24),
        password_policy(
            "00pengineer",
            "Engineering",
            2,
            [ENGINEERING],
            min_length=12,
            max_age=90,
            history=5,
            auto_unlock=60,
        ),
        # Ten tries, then locked for ten minutes: both too lenient.
        password_policy(
            "00pdefault1",
            "Default Policy",
            3,
            [EVERYONE],
            min_length=8,
            max_age=0,
            history=4,
            symbols=0,
            lockout=10,
            auto_unlock=10,
        ),
        password_policy(
            "00pinactive",
            "Old contractors",
            4,
            [CONTRACTORS],
            min_length=6,
            max_age=0,
            history=0,
            status="INACTIVE",
        ),
        signon_policy("00padminsess", "OKTA_SIGN_ON", "Administrators session", 1, [ADMINS]),
        signon_policy("00pdefsess1", "OKTA_SIGN_ON", "Default Policy", 2, [EVERYONE]),
        signon_policy("rstdashboard", "ACCESS_POLICY", "Okta Dashboard", 1, []),
        signon_policy("rstmfaapps01", "ACCESS_POLICY", "Business apps: MFA", 2, []),
    ]
    rules = {
        "00padminsess": [
            session_rule("0pradmins01", "Administrators MFA", 1, mfa=True, idle=15, lifetime=720)
        ],
        "00pdefsess1": [session_rule("0prdefault1", "Default Rule", 1, mfa=False, idle=120)],
        "rstdashboard": [
            access_rule("rulcontract1", "Contractors password only", 1, mode="1FA", groups=[CONTRACTORS]),
            access_rule(
                "rulcatchall1",
                "Catch-all Rule",
                99,
                mode="2FA",
                methods=[("okta_verify", "push"), ("phone_number", "sms")],
            ),
        ],
    }
    rules["rstmfaapps01"] = [access_rule("rulmfaall01", "Catch-all Rule", 99, mode="2FA")]
    apps = [
        app("0oasalesforce", "salesforce", "Salesforce", "SAML_2_0", "rstmfaapps01"),
        app("0oagithub0001", "githubcloud", "GitHub Enterprise", "SAML_2_0", "rstmfaapps01"),
        # On the dashboard's policy, where contractors get in with a password alone.
        app("0oaslack00001", "slack", "Slack", "OPENID_CONNECT", "rstdashboard"),
        app("0oaoldwiki001", "bookmark", "Old wiki", "BOOKMARK", "rstdashboard", status="INACTIVE"),
        app("0oadashboard1", "okta_enduser", "Okta Dashboard", "OPENID_CONNECT", "rstdashboard"),
    ]
    api_tokens = [
        {
            "name": "evidra",
            "userId": "00uevidra1",
            "tokenWindow": "P30D",
            "id": "00Tevidra001",
            "clientName": "Okta API",
            "expiresAt": at(-29),
            "created": at(10),
            "lastUpdated": at(1),
            "network": {"connection": "ANYWHERE"},
            "_links": {"self": {"href": f"{ORG}/api/v1/api-tokens/00Tevidra001"}},
        },
        {
            "name": "legacy-sync",
            "userId": "00uadmin1",
            "tokenWindow": "P30D",
            "id": "00Tlegacy001",
            "clientName": "Okta API",
            "expiresAt": at(-20),
            "created": at(400),
            "lastUpdated": at(10),
            "network": {"connection": "ANYWHERE"},
            "_links": {"self": {"href": f"{ORG}/api/v1/api-tokens/00Tlegacy001"}},
        },
    ]
    logs = [
        event(
            "ev-dave-suspend",
            "user.lifecycle.suspend",
            "00udave001",
            "dave@acme.com",
            72,
            "Suspend Okta user",
        ),
        event(
            "ev-erin-deact",
            "user.lifecycle.deactivate",
            "00uerin001",
            "erin@acme.com",
            45,
            "Deactivate Okta user",
        ),
        event(
            "ev-zoe-deact",
            "user.lifecycle.deactivate",
            "00uzoe0001",
            "zoe@acme.com",
            100,
            "Deactivate Okta user",
        ),
        event(
            "ev-zoe-delete",
            "user.lifecycle.delete.initiated",
            "00uzoe0001",
            "zoe@acme.com",
            99,
            "Delete Okta user",
        ),
        event(
            "ev-carol-reset",
            "user.mfa.factor.reset_all",
            "00ucarol01",
            "carol@acme.com",
            20,
            "Reset all factors",
        ),
        event("ev-bob-signin", "user.session.start", "00ubob0001", "bob@acme.com", 2, "User login to Okta"),
    ]
    return OktaOrg(
        users=users,
        me="00uevidra1",
        factors=factors,
        user_roles={
            "00uadmin1": [role("irb1", "SUPER_ADMIN", "Super Organization Administrator")],
            "00uevidra1": [role("irb2", "READ_ONLY_ADMIN", "Read Only Administrator")],
            "00ucarol01": [admins_group_role],
        },
        groups=groups,
        group_roles={ADMINS: [admins_group_role]},
        memberships=memberships,
        policies=policies,
        rules=rules,
        api_tokens=api_tokens,
        logs=logs,
        apps=apps,
    )


def terminations_csv() -> str:
    """HR's leavers, against demo_org: erin removed in 3 hours, dave in 48, ivan still
    active, zoe deleted, nobody unknown to Okta."""
    rows = [
        ("erin@acme.com", at(hours_ago=48)),
        ("dave@acme.com", at(hours_ago=120)),
        ("ivan@acme.com", at(hours_ago=72)),
        ("zoe@acme.com", at(hours_ago=101)),
        ("nobody@acme.com", at(hours_ago=30)),
    ]
    return "user,terminated_at\n" + "".join(f"{u},{t}\n" for u, t in rows)


class SyntheticUsers(Sequence[dict[str, Any]]):
    """`count` users built on demand from their index (the fake holds none of them)."""

    def __init__(self, count: int) -> None:
        self.size = count

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.size))]
        if not 0 <= index < self.size:
            raise IndexError(index)
        status = "SUSPENDED" if index % 97 == 0 else "ACTIVE"
        return user(synthetic_id(index), f"user{index}@big.example", status, last_login_days=index % 120)


def synthetic_id(index: int) -> str:
    return f"00u{index:010d}"


def synthetic_org(count: int) -> OktaOrg:
    """Every 1,000th user an administrator; most users with an authenticator app, every
    tenth with SMS, every fiftieth with nothing."""

    def factors_of(uid: str) -> list[dict[str, Any]]:
        index = int(uid[3:])
        if index % 50 == 0:
            return []
        kind = "sms" if index % 10 == 0 else "token:software:totp"
        return [factor(f"f{index}", kind), factor(f"p{index}", "push")]

    admins = {
        synthetic_id(i): [role(f"ra{i}", "ORG_ADMIN", "Organization Administrator")]
        for i in range(0, count, 1000)
    }
    org = demo_org()
    return OktaOrg(
        users=SyntheticUsers(count),
        me=synthetic_id(0),
        factors=factors_of,
        user_roles=admins,
        groups=org.groups,
        group_roles=org.group_roles,
        memberships={uid: [EVERYONE] for uid in admins},
        policies=org.policies,
        rules=org.rules,
        api_tokens=org.api_tokens,
        logs=org.logs,
    )
