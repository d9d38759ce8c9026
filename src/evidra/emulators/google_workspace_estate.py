"""Google Workspace domains for the Admin SDK fake: the demo's small one and a synthetic
one of any size (benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

DOMAIN = "acme.example"
SERVICE_ACCOUNT_EMAIL = "evidra-workspace@acme-admin.iam.gserviceaccount.com"
ADMIN = f"it-admin@{DOMAIN}"


@dataclass
class WorkspaceDomain:
    customer_id: str
    users: list[dict[str, Any]]
    roles: list[dict[str, Any]]
    role_assignments: list[dict[str, Any]]
    activities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # application -> activities
    admins: set[str] = field(default_factory=set)  # who a service account may act as
    # Google endpoint management (Cloud Identity devices API): devices and their users.
    devices: list[dict[str, Any]] = field(default_factory=list)
    device_users: list[dict[str, Any]] = field(default_factory=list)
    endpoint_management: bool = True  # False: the edition has none, the devices API refuses


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def user(
    number: int,
    email: str,
    *,
    created: datetime,
    last_login: datetime | None,
    enrolled: bool = True,
    enforced: bool = True,
    admin: bool = False,
    suspended: bool = False,
    archived: bool = False,
) -> dict[str, Any]:
    given, _, family = email.split("@")[0].partition(".")
    return {
        "kind": "admin#directory#user",
        "id": str(100000000000000000000 + number),
        "primaryEmail": email,
        "name": {
            "givenName": given.title(),
            "familyName": family.title(),
            "fullName": f"{given} {family}".title(),
        },
        "isAdmin": admin,
        "isDelegatedAdmin": False,
        "lastLoginTime": _time(last_login) if last_login else "1970-01-01T00:00:00.000Z",
        "creationTime": _time(created),
        "agreedToTerms": True,
        "suspended": suspended,
        "archived": archived,
        "changePasswordAtNextLogin": False,
        "isEnrolledIn2Sv": enrolled,
        "isEnforcedIn2Sv": enforced,
        "orgUnitPath": "/",
        "customerId": "C01abc234",
        "recoveryPhone": "+15555550100",  # personal data the collector must not keep
    }


def device(
    number: int,
    owner: str,
    kind: str,
    os_version: str,
    *,
    synced: datetime,
    encryption: str = "ENCRYPTED",
    management: str = "APPROVED",
    compromised: str = "UNCOMPROMISED",
    password: str = "PASSWORD_SET",  # noqa: S107 - the API's passwordState, not a password
    **extra: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A device and its user as the Cloud Identity devices API v1 answers them
    (GoogleAppsCloudidentityDevicesV1Device and ...DeviceUser)."""
    name = f"devices/dev{number:04d}"
    found = {
        "name": name,
        "deviceId": f"{number:016x}",
        "deviceType": kind,
        "model": {"MAC_OS": "MacBookPro18,3", "WINDOWS": "Latitude 7440", "ANDROID": "Pixel 8"}.get(
            kind, "iPhone15,2"
        ),
        "serialNumber": f"SN{number:08d}",
        "osVersion": os_version,
        "ownerType": "COMPANY",
        "managementState": management,
        "encryptionState": encryption,
        "compromisedState": compromised,
        "lastSyncTime": _time(synced),
        "createTime": _time(synced - timedelta(days=300)),
        "hostname": f"host-{number}",
        "wifiMacAddresses": ["02:00:00:00:00:01"],  # identifying data the collector must not keep
        **extra,
    }
    user_of = {
        "name": f"{name}/deviceUsers/u{number:04d}",
        "userEmail": owner,
        "managementState": "APPROVED" if management == "APPROVED" else management,
        "passwordState": password,
        "compromisedState": "NOT_COMPROMISED",
        "firstSyncTime": _time(synced - timedelta(days=300)),
        "lastSyncTime": _time(synced),
        "languageCode": "en-US",
    }
    return found, user_of


def activity(application: str, when: datetime, actor: str, name: str, **parameters: str) -> dict[str, Any]:
    return {
        "kind": "admin#reports#activity",
        "id": {
            "time": _time(when),
            "uniqueQualifier": str(abs(hash((application, when.isoformat(), actor, name))) % 10**18),
            "applicationName": application,
            "customerId": "C01abc234",
        },
        "actor": {"email": actor, "profileId": "1"},
        "events": [
            {
                "type": "USER_SETTINGS" if application == "admin" else "login",
                "name": name,
                "parameters": [{"name": k, "value": v} for k, v in parameters.items()],
            }
        ],
    }


def demo_domain(now: datetime | None = None, domain: str = DOMAIN) -> WorkspaceDomain:
    """Six people: two administrators (one without 2SV), a leaver suspended a day after
    leaving who signed in once after, a contractor still active, a new hire."""
    now = now or datetime.now(UTC)
    admin = f"it-admin@{domain}"
    day = timedelta(days=1)
    users = [
        user(1, admin, created=now - 900 * day, last_login=now - day, admin=True),
        user(
            2,
            f"alice.admin@{domain}",
            created=now - 700 * day,
            last_login=now - 2 * day,
            enrolled=False,
            enforced=False,
        ),
        user(3, f"bob.builder@{domain}", created=now - 400 * day, last_login=now - 3 * day),
        user(4, f"carol.leaver@{domain}", created=now - 500 * day, last_login=now - 20 * day, suspended=True),
        user(5, f"dave.contractor@{domain}", created=now - 200 * day, last_login=now - day),
        user(6, f"erin.newhire@{domain}", created=now - 10 * day, last_login=now - day),
    ]
    roles: list[dict[str, Any]] = [
        {
            "kind": "admin#directory#role",
            "roleId": "1",
            "roleName": "_SEED_ADMIN_ROLE",
            "isSuperAdminRole": True,
        },
        {"kind": "admin#directory#role", "roleId": "2", "roleName": "_USER_MANAGEMENT_ADMIN_ROLE"},
    ]
    assignments = [
        {
            "kind": "admin#directory#roleAssignment",
            "roleAssignmentId": "9001",
            "roleId": "1",
            "assignedTo": users[0]["id"],
            "scopeType": "CUSTOMER",
        },
        {
            "kind": "admin#directory#roleAssignment",
            "roleAssignmentId": "9002",
            "roleId": "2",
            "assignedTo": users[1]["id"],
            "scopeType": "CUSTOMER",
        },
    ]
    activities = {
        "admin": [
            activity("admin", now - 20 * day, admin, "SUSPEND_USER", USER_EMAIL=f"carol.leaver@{domain}")
        ],
        "login": [
            activity("login", now - 21 * day, f"carol.leaver@{domain}", "login_success"),
            activity("login", now - day, f"bob.builder@{domain}", "login_success"),
        ],
    }
    devices = [
        device(1, f"bob.builder@{domain}", "MAC_OS", "MacOS 14.6.1", synced=now - day),
        device(
            2,
            f"alice.admin@{domain}",
            "WINDOWS",
            "Windows 10.0.22631",
            synced=now - 40 * day,
            encryption="NOT_ENCRYPTED",
        ),
        device(
            3,
            f"carol.leaver@{domain}",
            "ANDROID",
            "Android 14",
            synced=now - 21 * day,
            management="WIPED",
            androidSpecificAttributes={"verifyAppsEnabled": True, "hasPotentiallyHarmfulApps": False},
        ),
        device(4, f"erin.newhire@{domain}", "IOS", "iOS 17.5.1", synced=now - day, compromised="COMPROMISED"),
    ]
    return WorkspaceDomain(
        "C01abc234",
        users,
        roles,
        assignments,
        activities,
        {admin},
        devices=[d for d, _ in devices],
        device_users=[u for _, u in devices],
    )


def synthetic_domain(count: int, now: datetime | None = None) -> WorkspaceDomain:
    now = now or datetime.now(UTC)
    users = [
        user(
            i,
            f"user{i:06d}@{DOMAIN}",
            created=now - timedelta(days=30 + i % 900),
            last_login=now - timedelta(days=i % 120),
            enrolled=i % 17 != 0,
            suspended=i % 50 == 0,
        )
        for i in range(count)
    ]
    roles = [
        {
            "kind": "admin#directory#role",
            "roleId": "1",
            "roleName": "_SEED_ADMIN_ROLE",
            "isSuperAdminRole": True,
        }
    ]
    assignments = [
        {
            "kind": "admin#directory#roleAssignment",
            "roleAssignmentId": str(9000 + i),
            "roleId": "1",
            "assignedTo": users[i]["id"],
            "scopeType": "CUSTOMER",
        }
        for i in range(0, count, 1000)
    ]
    return WorkspaceDomain("C01abc234", users, roles, assignments, {}, {ADMIN})
