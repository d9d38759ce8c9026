"""Every control, passing and failing, on normalized resources: the engine never sees a
cloud, so these cases hold for every provider that emits the same attributes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from evidra.config.settings import ExceptionRule
from evidra.controls.catalog import catalog, select
from evidra.controls.engine import evaluate, sort_for_people
from evidra.controls.requirements import default_parameters
from evidra.model import Collection, Observation, ScopeError, Status

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
OLD = (NOW - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
RECENT = (NOW - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")

STRONG_POLICY = {
    "exists": True,
    "applies_to": "account",
    "privileged": True,
    "min_length": 16,
    "require_uppercase": True,
    "require_lowercase": True,
    "require_numbers": True,
    "require_symbols": True,
    "character_classes": 4,
    "max_age_days": 90,
    "history_count": 24,
    "lockout_attempts": None,
}
HUMAN = {
    "kind": "human",
    "console_access": True,
    "disabled": False,
    "privileged": False,
    "mfa_enabled": True,
    "mfa_methods": ["authenticator_app"],
}
SESSION_RULE = {
    "policy": "Default Policy",
    "rule": "Default Rule",
    "kind": "global_session",
    "applies_to": "everyone",
    "access": "allow",
    "mfa_required": True,
    "max_idle_minutes": 15,
}
LEAVER = {
    "user": "erin@acme.com",
    "terminated_at": RECENT,
    "account_found": True,
    "access_removed": True,
    "removed_by": "deactivated",
    "access_removed_at": RECENT,
    "hours_to_removal": 3.0,
}

# control -> (resource type, attributes that pass, attributes that fail, words the failure reason has)
MERGE = {
    "author": "alice",
    "merged_by": "alice",
    "merged_at": "2026-01-10T10:00:00Z",
    "title": "Fix",
    "approved_by_other": True,
    "approvers": ["bob"],
    "required_checks_passed": True,
    "check_conclusions": {"ci": "success"},
    "ticket": "PAY-1",
    "protected_at_merge": True,
    "admin_bypass": False,
}
REPO = {
    "default_branch": "main",
    "branch_protected": True,
    "protection_sources": ["classic"],
    "required_approvals": 1,
    "force_push_blocked": True,
    "deletion_blocked": True,
    "enforce_admins": True,
    "required_checks": ["ci"],
    "required_check_count": 1,
    "codeowners": True,
    "code_owner_review": True,
    "secret_scanning": True,
    "push_protection": True,
    "dependency_alerts": True,
    "workflow_token_read_only": True,
}


def _ago(days: float) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fixed(days_open: float, first: float = 200.0) -> dict:
    """A finding first observed `first` days before NOW and closed `days_open` days later."""
    return {
        "first_observed": _ago(first),
        "closed_at": _ago(first - days_open),
        "fixed_at": _ago(first - days_open),
    }


FINDING = {"severity": "high", "state": "fixed", "suppressed": False, **_fixed(3.0)}
# NOW is Monday 2026-11-23 12:00 UTC: first observed on Friday 09:00, reviewed on Monday
# 08:00 is within one business day (the weekend does not count); on Monday 10:00 is not.
FRIDAY = "2026-11-20T09:00:00Z"
COVERED = {
    "kind": "compute_instance",
    "covered": True,
    "scanner": "inspector2",
    "scan_status": "ACTIVE/SUCCESSFUL",
}

MAC = {
    "owner": "alice@acme.example",
    "platform": "macOS",
    "kind": "workstation",
    "managed": True,
    "encrypted": True,
    "os_version": "15.1",
    "os_major": 15,
    "last_check_in": RECENT,
    "screen_lock_minutes": 10,
    "passcode_required": True,
    "malware_protection": True,
    "lost_mode": False,
}
PATCHED = {
    "instance": "i-0a1b2c3d4e5f60001", "source": "osconfig", "assessed": True,
    "last_assessed": "2026-11-22T03:00:00Z", "missing_critical": 1, "missing_security": 2,
    "missing_other": 5, "oldest_missing_critical": "2026-11-20T00:00:00Z",
    "oldest_missing_security": "2026-11-01T00:00:00Z",
}  # fmt: skip
PHONE = {
    **MAC,
    "platform": "iOS",
    "kind": "mobile",
    "os_version": "18.1",
    "os_major": 18,
    "screen_lock_minutes": 5,
}
LEAVERS_DEVICE = {
    "user": "erin@acme.com",
    "device": "jamf:MBP-7",
    "device_ref": "jamf|jamf:acme|computer/7",
    "kind": "workstation",
    "terminated_at": "2026-05-02T00:00:00+00:00",
}

CASES = {
    "patch-security-current": (
        "compute.patch_state",
        PATCHED,  # a critical patch 3 days old, a security one 22: within 7 and 30 days
        {**PATCHED, "oldest_missing_critical": None},  # undated (SSM): not shown to be in time
        "1 critical patches missing, the oldest since not set",
    ),
    "device-disk-encryption": ("endpoint.device", MAC, {**MAC, "encrypted": False}, "not encrypted"),
    "device-screen-lock": (
        "endpoint.device",
        MAC,
        {**MAC, "screen_lock_minutes": 30},
        "locks after 30 idle minutes, more than 15",
    ),
    "mobile-device-screen-lock": (
        "endpoint.device",
        PHONE,
        {**PHONE, "passcode_required": False},
        "no passcode",
    ),
    "device-os-current-macos": (
        "endpoint.device",
        MAC,
        {**MAC, "os_version": "13.6.9", "os_major": 13},
        "runs macOS 13.6.9, older than major version 14",
    ),
    "device-os-current-ios": (
        "endpoint.device",
        PHONE,
        {**PHONE, "os_version": "16.7", "os_major": 16},
        "older than major version 17",
    ),
    "device-managed": (
        "endpoint.device",
        MAC,
        {**MAC, "last_check_in": "2026-08-01T00:00:00Z"},
        "more than 30 days ago",
    ),
    "device-malware-protection": (
        "endpoint.device",
        MAC,
        {**MAC, "malware_protection": None},
        "no malware protection",
    ),
    "identity-user-mfa": (
        "identity.user",
        HUMAN,
        {**HUMAN, "mfa_enabled": False, "mfa_methods": []},
        "console password enabled, no MFA device",
    ),
    "privileged-user-mfa": (
        "identity.user",
        {**HUMAN, "privileged": True},
        {**HUMAN, "privileged": True, "mfa_enabled": False},
        "administrator without",
    ),
    "root-mfa": ("account", {"root_mfa_enabled": True}, {"root_mfa_enabled": False}, "root user has no MFA"),
    "root-no-access-keys": (
        "account",
        {"root_access_keys": 0},
        {"root_access_keys": 2},
        "root user has 2 active access key",
    ),
    "password-min-length": (
        "identity.password_policy",
        STRONG_POLICY,
        {**STRONG_POLICY, "min_length": 8},
        "minimum length is 8, policy requires 12",
    ),
    "password-min-length-privileged": (
        "identity.password_policy",
        STRONG_POLICY,
        {**STRONG_POLICY, "min_length": 14},
        "minimum length is 14, policy requires 16 for administrators",
    ),
    "password-complexity": (
        "identity.password_policy",
        STRONG_POLICY,
        {**STRONG_POLICY, "character_classes": 2},
        "2 character class(es) required, policy requires 3",
    ),
    "password-max-age": (
        "identity.password_policy",
        STRONG_POLICY,
        {**STRONG_POLICY, "max_age_days": None},
        "passwords never expire",
    ),
    "password-history": (
        "identity.password_policy",
        STRONG_POLICY,
        {**STRONG_POLICY, "history_count": 3},
        "last 3 passwords, policy requires 5",
    ),
    "bucket-encryption": (
        "storage.bucket",
        {"encrypted": True, "encryption_algorithm": "AES256"},
        {"encrypted": False},
        "no default encryption",
    ),
    "bucket-not-public": (
        "storage.bucket",
        {"public": False},
        {
            "public": True,
            "policy_grants_public": True,
            "acl_grants_public": False,
            "public_access_blocked": False,
        },
        "policy grants public access: yes",
    ),
    "bucket-public-access-block": (
        "storage.bucket",
        {"public_access_blocked": True},
        {"public_access_blocked": False},
        "public access is not blocked",
    ),
    "bucket-tls-only": ("storage.bucket", {"tls_only": True}, {"tls_only": False}, "without TLS"),
    "key-rotation": (
        "crypto.key",
        {"managed_by": "customer", "enabled": True, "rotation_enabled": True, "rotation_period_days": 365},
        {"managed_by": "customer", "enabled": True, "rotation_enabled": True, "rotation_period_days": 730},
        "rotates every 730 days, policy requires at most 365",
    ),
    "volume-encryption": ("compute.volume", {"encrypted": True}, {"encrypted": False}, "not encrypted"),
    "volume-encryption-default": (
        "account",
        {"default_volume_encryption": True, "region": "eu-west-1"},
        {"default_volume_encryption": False, "region": "eu-west-1"},
        "encryption by default is off in eu-west-1",
    ),
    "database-encryption": ("database.instance", {"encrypted": True}, {"encrypted": False}, "not encrypted"),
    "database-tls-required": (
        "database.instance",
        {"tls_required": True},
        {"tls_required": False},
        "accepts unencrypted connections",
    ),
    "database-not-public": (
        "database.instance",
        {"publicly_accessible": False},
        {"publicly_accessible": True},
        "publicly accessible",
    ),
    "audit-trail-all-regions": (
        "account",
        {"audit_trail_multi_region": True},
        {"audit_trail_multi_region": False},
        "no logging audit trail covers every region",
    ),
    "audit-trail-logging": (
        "logging.audit_trail",
        {"logging": True},
        {"logging": False},
        "logging is stopped",
    ),
    "audit-trail-integrity": (
        "logging.audit_trail",
        {"log_file_validation": True},
        {"log_file_validation": False},
        "validation is off",
    ),
    "audit-trail-encryption": (
        "logging.audit_trail",
        {"encrypted_with_customer_key": True, "kms_key": "k"},
        {"encrypted_with_customer_key": False},
        "not encrypted with a customer",
    ),
    "access-key-rotation": (
        "identity.credential",
        {"active": True, "created": RECENT},
        {"active": True, "created": OLD},
        "older than 180 days",
    ),
    "privileged-mfa-approved-methods": (
        "identity.user",
        {**HUMAN, "privileged": True, "mfa_methods": ["authenticator_app", "hardware_token"]},
        {**HUMAN, "privileged": True, "mfa_methods": ["authenticator_app", "sms"]},
        "administrator has SMS or voice enrolled (authenticator_app, sms)",
    ),
    "session-idle-timeout": (
        "identity.signon_policy",
        {**SESSION_RULE, "max_idle_minutes": 15},
        {**SESSION_RULE, "max_idle_minutes": 120},
        "rule Default Rule of Default Policy keeps idle sessions 120 minutes, policy allows 30",
    ),
    "signon-requires-mfa": (
        "identity.signon_policy",
        {**SESSION_RULE, "mfa_required": True, "mfa_required_for": "everyone"},
        {**SESSION_RULE, "mfa_required": False},
        "rule Default Rule of Default Policy lets everyone sign in without a second factor",
    ),
    "inactive-users": (
        "identity.user",
        {**HUMAN, "last_activity": RECENT},
        {**HUMAN, "last_activity": OLD},
        "longer than 90 days",
    ),
    "deprovisioning-deadline": (
        "identity.deprovisioning",
        {**LEAVER, "hours_to_removal": 3.0},
        {**LEAVER, "hours_to_removal": 48.0},
        "access removed 48.0 hours after termination (deactivated), policy allows 24",
    ),
    "device-coverage-identity": (
        "endpoint.coverage",
        {
            "user": "alice@acme.com",
            "provider": "okta",
            "managed_devices": ["jamf:alice-mbp"],
            "has_managed_device": True,
        },
        {"user": "bob@acme.com", "provider": "okta", "managed_devices": [], "has_managed_device": False},
        "bob@acme.com signs in on okta and has no managed computer in device management",
    ),
    "device-os-current-windows": (
        "endpoint.device",
        {"platform": "Windows", "os_version": "10.0.26100.2314", "os_build": 26100},
        {"platform": "Windows", "os_version": "10.0.19045.5131", "os_build": 19045},
        "runs Windows 10.0.19045.5131, build older than 26100",
    ),
    "device-not-jailbroken": (
        "endpoint.device",
        {"platform": "Android", "kind": "mobile", "compromised": False},
        {"platform": "Android", "kind": "mobile", "compromised": True},
        "jailbroken or rooted (as Android device management reports it)",
    ),
    "vuln-fix-verified": (
        "vuln.finding",
        {
            "title": "CVE-1",
            "state": "fixed",
            "source": "securityhub:Inspector",
            "fixed_at": "2026-05-01",
            "fix_verified": True,
        },
        {"title": "CVE-2", "state": "fixed", "fixed_at": "2026-05-02", "fix_verified": False},
        "CVE-2 was marked resolved on 2026-05-02 without a scan confirming the fix",
    ),
    "lost-device-wiped": (
        "endpoint.lost_device",
        {
            "device": "jamf:bob-iphone",
            "lost_at": "2026-05-01T00:00:00+00:00",
            "cleared": True,
            "cleared_by": "wipe",
            "cleared_at": "2026-05-01T06:00:00+00:00",
        },
        {
            "device": "jamf:bob-iphone",
            "lost_at": "2026-05-01T00:00:00+00:00",
            "cleared": True,
            "cleared_by": "removed",
            "cleared_at": "2026-05-04T00:00:00+00:00",
        },
        "jamf:bob-iphone marked lost at 2026-05-01T00:00:00+00:00 and not wiped within 1 days"
        " (cleared: removed at 2026-05-04T00:00:00+00:00)",
    ),
    "device-offboarding-wipe": (
        "endpoint.offboarding",
        {
            **LEAVERS_DEVICE,
            "cleared": True,
            "cleared_by": "retire",
            "cleared_at": "2026-05-04T02:00:00+00:00",
            "hours_to_clear": 50.0,
        },
        {
            **LEAVERS_DEVICE,
            "cleared": True,
            "cleared_by": "wipe",
            "cleared_at": "2026-05-12T00:00:00+00:00",
            "hours_to_clear": 240.0,
        },
        "jamf:MBP-7 cleared (wipe) 240.0 hours after termination, policy allows 168",
    ),
    # People (issue 19)
    "orphaned-accounts": (
        "people.account",
        {
            "account": "github:bob",
            "disabled": False,
            "matched_by": "email",
            "owner": "bob@acme.com",
            "owner_active": True,
            "owner_status": "active",
        },
        {"account": "github:ghost", "disabled": False, "matched_by": None, "owner_active": False},
        "github:ghost belongs to nobody on the roster",
    ),
    "third-party-access-ends": (
        "identity.deprovisioning",
        {
            **LEAVER,
            "employment_type": "contractor",
            "provider": "okta",
            "account": "dan",
            "hours_to_removal": 2.0,
        },
        {
            **LEAVER,
            "employment_type": "vendor",
            "provider": "okta",
            "account": "dan",
            "access_removed": False,
            "hours_since_termination": 50.0,
        },
        "dan on okta still active 50.0 hours later",
    ),
    "device-coverage-roster": (
        "people.person",
        {
            "email": "a@acme.com",
            "active": True,
            "workstation_accounts": ["okta:a@acme.com"],
            "managed_devices": ["jamf:A's MacBook"],
            "has_managed_device": True,
        },
        {
            "email": "a@acme.com",
            "name": "Ada",
            "active": True,
            "workstation_accounts": ["okta:a@acme.com"],
            "managed_devices": [],
            "has_managed_device": False,
        },
        "a@acme.com (Ada) signs in as okta:a@acme.com and has no managed computer",
    ),
    "background-check-before-access": (
        "people.person",
        {
            "email": "a@acme.com",
            "active": True,
            "first_access": RECENT,
            "background_check_at": "2026-01-01",
            "background_check_before_access": True,
        },
        {"email": "a@acme.com", "active": True, "first_access": RECENT, "background_check_at": None},
        "no background check recorded",
    ),
    "security-awareness-training": (
        "people.person",
        {
            "email": "a@acme.com",
            "active": True,
            "security_training": "current",
            "security_training_detail": "last training 2026-10-01",
        },
        {
            "email": "a@acme.com",
            "active": True,
            "security_training": "expired",
            "security_training_detail": "last training 2025-01-01",
        },
        "training expired",
    ),
    "secure-coding-training": (
        "people.person",
        {
            "email": "a@acme.com",
            "active": True,
            "source_control_access": True,
            "secure_coding_training": "not_due",
            "secure_coding_training_detail": "due by 2026-12-01",
        },
        {
            "email": "a@acme.com",
            "active": True,
            "source_control_access": True,
            "secure_coding_training": "missing",
            "secure_coding_training_detail": "no training recorded",
        },
        "secure-coding training missing",
    ),
    "mover-access-changed": (
        "people.person",
        {
            "email": "a@acme.com",
            "active": True,
            "moved_at": RECENT,
            "mover_access": "changed",
            "previous_department": "Eng",
            "department": "Ops",
        },
        {
            "email": "a@acme.com",
            "active": True,
            "moved_at": OLD,
            "mover_access": "unchanged",
            "previous_department": "Eng",
            "department": "Ops",
        },
        "access unchanged since",
    ),
    "access-review-revocations-executed": (
        "access_review.revocation",
        {"account": "ghost", "provider": "github", "status": "executed", "days_to_execute": 2.0},
        {
            "account": "ghost",
            "provider": "github",
            "status": "overdue",
            "reviewer": "ciso@acme.com",
            "decided_at": OLD,
            "due_by": OLD,
            "days_to_execute": 400.0,
        },
        "ghost on github, revoked by ciso@acme.com",
    ),
    "access-review-cadence": (
        "access_review.cadence",
        {"kind": "all", "last_review_at": RECENT, "last_reviewer": "ciso@acme.com", "last_period": "2026-Q4"},
        {"kind": "all", "last_review_at": OLD},
        "more than 92 days ago",
    ),
    "access-review-privileged": (
        "access_review.cadence",
        {"kind": "privileged", "last_review_at": RECENT, "last_reviewer": "ciso@acme.com"},
        {"kind": "privileged", "last_review_at": None},
        "no review of privileged access recorded yet",
    ),
    # AWS at organisation scale (issue 3)
    "service-credential-rotation": (
        "identity.credential",
        {"active": True, "owner_interactive": False, "created": RECENT},
        {"active": True, "owner_interactive": False, "created": OLD},
        "older than 365 days",
    ),
    "unused-credentials": (
        "identity.credential",
        {"active": True, "last_activity": RECENT},
        {"active": True, "last_activity": OLD},
        "longer than 90 days",
    ),
    "user-permissions-via-groups": (
        "identity.user",
        {**HUMAN, "direct_policies": 0},
        {**HUMAN, "direct_policies": 2},
        "2 permission policy(ies) attached to the user directly",
    ),
    "threat-detection-enabled": (
        "monitoring.threat_detection",
        {"service": "guardduty", "enabled": True, "region": "eu-west-1"},
        {"service": "guardduty", "enabled": False, "region": "eu-west-1"},
        "guardduty is not enabled in eu-west-1",
    ),
    "config-recording": (
        "monitoring.config_recorder",
        {"recording": True, "all_resources": True, "region": "eu-west-1"},
        {"recording": True, "all_resources": False, "region": "eu-west-1"},
        "leaves some resource types out",
    ),
    "security-posture-monitoring": (
        "monitoring.security_posture",
        {"service": "securityhub", "enabled": True, "region": "eu-west-1"},
        {"service": "securityhub", "enabled": False, "region": "eu-west-1"},
        "securityhub is not enabled in eu-west-1",
    ),
    "network-flow-logs": (
        "network.virtual_network",
        {"flow_logs_enabled": True},
        {"flow_logs_enabled": False},
        "no active flow log",
    ),
    "topic-encryption": (
        "messaging.topic",
        {"encrypted": True, "kms_key": "alias/aws/sns"},
        {"encrypted": False, "kms_key": None},
        "messages are stored unencrypted",
    ),
    "firewall-admin-ports-closed": (
        "network.firewall_rule",
        {"open_to_internet": True, "internet_ports": ["443", "icmp", "8000-8100"]},
        {"open_to_internet": True, "internet_ports": ["22", "443"]},
        "open to the Internet on 22, 443",
    ),
    "log-retention": (
        "logging.log_group",
        {"retention_days": 400},
        {"retention_days": 30},
        "events kept 30 days, policy requires 365",
    ),
    "endpoint-tls-version": (
        "network.endpoint",
        {"protocol": "HTTPS", "min_tls_protocol": "TLSv1.2", "tls_policy": "p"},
        {"protocol": "HTTPS", "min_tls_protocol": "TLSv1.0", "tls_policy": "ELBSecurityPolicy-2016-08"},
        "accepts TLSv1.0 (policy ELBSecurityPolicy-2016-08)",
    ),
    "endpoint-no-plaintext": (
        "network.endpoint",
        {"protocol": "HTTP", "plaintext_allowed": False},
        {"protocol": "HTTP", "plaintext_allowed": True},
        "serves unencrypted HTTP",
    ),
    "certificate-not-expired": (
        "certificate",
        {"status": "ISSUED", "expires": (NOW + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")},
        {"status": "ISSUED", "expires": RECENT},
        f"certificate expired {RECENT}",
    ),
    "certificate-renewal": (
        "certificate",
        {"status": "ISSUED", "issued": RECENT},
        {"status": "ISSUED", "issued": OLD},
        "more than 365 days ago",
    ),
    "certificate-key-strength": (
        "certificate",
        {"key_family": "RSA", "key_bits": 4096},
        {"key_family": "RSA", "key_bits": 2048},
        "RSA key of 2048 bits, policy requires 3072",
    ),
    "certificate-ec-key-strength": (
        "certificate",
        {"key_family": "EC", "key_bits": 256},
        {"key_family": "EC", "key_bits": 192},
        "EC key of 192 bits, policy requires 256",
    ),
    "file-system-encryption": (
        "storage.file_system",
        {"encrypted": True},
        {"encrypted": False},
        "not encrypted",
    ),
    "database-backups-enabled": (
        "database.instance",
        {"backup_retention_days": 7},
        {"backup_retention_days": 0},
        "automated backups are off",
    ),
    "database-backup-retention": (
        "database.instance",
        {"backup_retention_days": 35},
        {"backup_retention_days": 7},
        "backups kept 7 days, policy requires 30",
    ),
    "backup-plan-retention": (
        "backup.plan",
        {"rules": 2, "min_retention_days": 35},
        {"rules": 2, "min_retention_days": 7},
        "a rule keeps backups 7 days, policy requires 30",
    ),
    "bucket-versioning": ("storage.bucket", {"versioning": True}, {"versioning": False}, "versioning is off"),
    "bucket-access-logging": (
        "storage.bucket",
        {"access_logging": True},
        {"access_logging": False},
        "server access logging is off",
    ),
    "no-basic-roles-for-people": (
        "identity.role_binding",
        {
            "principal": "user:ann@acme.com",
            "principal_kind": "user",
            "role": "roles/viewer",
            "basic_role": False,
        },
        {
            "principal": "user:dan@acme.com",
            "principal_kind": "user",
            "role": "roles/editor",
            "basic_role": True,
            "resource": "projects/1003",
        },
        "user:dan@acme.com holds the basic role roles/editor on projects/1003",
    ),
    # GitHub and GitLab (issue 18)
    "change-peer-review": (
        "change.merge",
        {**MERGE, "approved_by_other": True, "approvers": ["bob"]},
        {**MERGE, "approved_by_other": False, "approvers": []},
        "without an approval of the merged head by anyone but alice",
    ),
    "change-checks-passed": (
        "change.merge",
        MERGE,
        {**MERGE, "required_checks_passed": False, "check_conclusions": {"ci": "failure"}},
        "with required checks {'ci': 'failure'}",
    ),
    "change-ticket-reference": ("change.merge", MERGE, {**MERGE, "ticket": None}, "no ticket reference"),
    "change-no-admin-bypass": ("change.merge", MERGE, {**MERGE, "admin_bypass": True}, "a protection bypass"),
    "branch-protection": (
        "scm.repository",
        REPO,
        {**REPO, "force_push_blocked": False},
        "force pushes to main",
    ),
    "branch-required-checks": (
        "scm.repository",
        REPO,
        {**REPO, "required_check_count": 0, "required_checks": []},
        "main requires no status check",
    ),
    "code-owner-review": ("scm.repository", REPO, {**REPO, "codeowners": False}, "no CODEOWNERS file"),
    "secret-scanning-push-protection": (
        "scm.repository",
        REPO,
        {**REPO, "push_protection": False},
        "push protection is off",
    ),
    "dependency-alerts": (
        "scm.repository",
        REPO,
        {**REPO, "dependency_alerts": None},
        "dependency alerts are off",
    ),
    "workflow-token-read-only": (
        "scm.repository",
        REPO,
        {**REPO, "workflow_token_read_only": False},
        "read-write token",
    ),
    "scm-organization-2fa": (
        "scm.organization",
        {"two_factor_required": True, "members_without_2fa": []},
        {"two_factor_required": True, "members_without_2fa": ["frank"]},
        "members without two-factor: frank",
    ),
    "outside-collaborator-access": (
        "scm.collaborator",
        {"login": "jo", "repositories": ["acme/app:write"], "admin_on": []},
        {"login": "jo", "repositories": ["acme/app:admin"], "admin_on": ["acme/app"]},
        "jo administers acme/app",
    ),
    "vuln-dismissal-justified": (
        "vuln.finding",
        {
            **FINDING,
            "suppressed": True,
            "suppression_reason": "tolerable_risk",
            "suppression_comment": "RISK-7",
        },
        {**FINDING, "suppressed": True, "suppression_reason": "tolerable_risk", "suppression_comment": None},
        "without a justification",
    ),
    "vuln-remediation-critical": (
        "vuln.finding",
        {**FINDING, "severity": "critical", **_fixed(6.5)},
        {**FINDING, "severity": "critical", **_fixed(7.5)},
        "past its 7-day deadline",
    ),
    "vuln-remediation-high": (
        "vuln.finding",
        {**FINDING, "severity": "high", **_fixed(29.0)},
        # open: measured to the run's time (NOW), never to a stored age
        {**FINDING, "severity": "high", "state": "open", "first_observed": _ago(31), "closed_at": None},
        "open, first observed",
    ),
    "vuln-remediation-medium": (
        "vuln.finding",
        {**FINDING, "severity": "medium", "state": "open", "first_observed": _ago(80), "closed_at": None},
        {**FINDING, "severity": "medium", **_fixed(91.0)},
        "past its 90-day deadline",
    ),
    "vuln-remediation-low": (
        "vuln.finding",
        {**FINDING, "severity": "low", **_fixed(100.0)},
        {**FINDING, "severity": "low", **_fixed(181.0)},
        "past its 180-day deadline",
    ),
    "vuln-triage-deadline": (
        "vuln.finding",
        {**FINDING, "first_observed": FRIDAY, "triaged_at": "2026-11-23T08:00:00Z"},
        {**FINDING, "first_observed": FRIDAY, "triaged_at": "2026-11-23T10:00:00Z"},
        "due for review by 2026-11-23T09:00:00Z",
    ),
    "vuln-scan-coverage": (
        "vuln.scan_coverage",
        COVERED,
        {**COVERED, "covered": False, "scan_status": "INACTIVE/EXCLUDED_BY_TAG"},
        "inspector2 reports INACTIVE/EXCLUDED_BY_TAG",
    ),
    "backup-geo-redundancy": (
        "backup.plan",
        {"copies_to_other_region": True, "region": "us-east-1"},
        {"copies_to_other_region": False, "region": "us-east-1"},
        "no rule copies backups out of us-east-1",
    ),
    "backup-encryption": (
        "backup.snapshot",
        {"kind": "volume_snapshot", "encrypted": True, "region": "eu-west-1"},
        {"kind": "database_snapshot", "encrypted": False, "region": "eu-west-1"},
        "database_snapshot in eu-west-1 is not encrypted",
    ),
    "endpoint-strong-ciphers": (
        "network.endpoint",
        {
            "kind": "load_balancer_listener",
            "protocol": "HTTPS",
            "tls_policy": "modern",
            "cipher_algorithms": ["AES", "SHA-256"],
        },
        {
            "kind": "cdn_distribution",
            "protocol": "HTTPS",
            "tls_policy": "TLSv1",
            "cipher_algorithms": ["3DES", "AES", "SHA-1"],
        },
        "TLS policy TLSv1 offers cipher suites using",
    ),
    "data-classification-tag": (
        "storage.bucket",
        {"classification": "Confidential"},
        {"classification": "secret-stuff"},
        "classification secret-stuff is not one of",
    ),
    "storage-automated-disposal": (
        "storage.bucket",
        {"lifecycle_expiry": True},
        {"lifecycle_expiry": False},
        "no lifecycle rule deletes expired objects",
    ),
    "security-event-alerting": (
        "monitoring.alerting",
        {"unalerted_security_events": [], "alerted_events": ["root_usage"]},
        {"unalerted_security_events": ["firewall_change"], "alerted_events": []},
        "no alert on firewall_change",
    ),
    "key-misuse-alerting": (
        "monitoring.alerting",
        {"key_misuse_alerted": True},
        {"key_misuse_alerted": False},
        "no alert on disabling or deleting keys",
    ),
    "dlp-enabled": (
        "monitoring.data_loss_prevention",
        {"service": "macie", "enabled": True, "region": "us-east-1"},
        {"service": "macie", "enabled": False, "region": "eu-west-1"},
        "macie is not enabled in eu-west-1",
    ),
    "environment-separation": (
        "network.peering",
        {"crosses_environments": False, "environments": ["production", "production"]},
        {"crosses_environments": True, "environments": ["production", "staging"]},
        "joins environments production, staging",
    ),
    "scope-inventory": (
        "inventory.scope",
        {"kind": "aws_account", "active": True, "collected": True},
        {"kind": "aws_account", "active": True, "collected": False},
        "aws_account is active but not read by evidra",
    ),
    "password-lockout": (
        "identity.password_policy",
        {"exists": True, "lockout_attempts": 5},
        {"exists": True, "lockout_attempts": 10},
        "locks after 10 failed sign-ins, policy requires at most 5",
    ),
    "password-lockout-duration": (
        "identity.password_policy",
        {"lockout_attempts": 5, "lockout_until_unlocked": False, "lockout_minutes": 30},
        {"lockout_attempts": 5, "lockout_until_unlocked": False, "lockout_minutes": 10},
        "unlocks after 10 minutes, policy requires 30",
    ),
    "app-requires-mfa": (
        "identity.application",
        {"status": "ACTIVE", "access_policy": "Business apps", "mfa_required": True},
        {"status": "ACTIVE", "access_policy": "Okta Dashboard", "mfa_required": False},
        "policy Okta Dashboard lets people in without a second factor",
    ),
}


def observation(type_name: str, attributes: dict, rid: str = "res-1") -> Observation:
    return Observation(
        provider="test",
        scope="test:1:global",
        type=type_name,
        id=rid,
        attributes=attributes,
        raw={},
        calls=[],
        principal="tester",
        observed_at=NOW,
    )


def run(control_id: str, *observations: Observation, params=None, exceptions=()):
    collection = Collection(observations=list(observations))
    return evaluate(select([control_id]), collection, params or default_parameters(), NOW, exceptions)


def test_every_control_has_a_case():
    assert set(CASES) == set(catalog())


@pytest.mark.parametrize("control_id", sorted(CASES))
def test_control_passes_and_fails(control_id):
    type_name, good, bad, words = CASES[control_id]
    [passed] = run(control_id, observation(type_name, good))
    assert passed.status is Status.PASS, passed.reason
    [failed] = run(control_id, observation(type_name, bad))
    assert failed.status is Status.FAIL
    assert words in failed.reason
    assert failed.requirement == catalog()[control_id].requirements[0]
    assert failed.evidence == observation(type_name, bad).evidence_hash


def test_missing_attribute_fails_rather_than_passes():
    [result] = run("bucket-encryption", observation("storage.bucket", {}))
    assert result.status is Status.FAIL


def test_population_filter_leaves_others_out():
    service = {**HUMAN, "kind": "service", "mfa_enabled": False}
    no_console = {**HUMAN, "console_access": False, "mfa_enabled": False}
    assert (
        run(
            "identity-user-mfa",
            observation("identity.user", service),
            observation("identity.user", no_console, "b"),
        )
        == []
    )


def test_parameters_override_policy_defaults():
    params = {**default_parameters(), "pwd.min_length.min_length_standard": 20}
    [result] = run(
        "password-min-length", observation("identity.password_policy", STRONG_POLICY), params=params
    )
    assert result.status is Status.FAIL
    assert "policy requires 20" in result.reason


def test_exceptions_apply_until_they_expire():
    rule = ExceptionRule(
        control="identity-user-mfa",
        resource="arn:aws:iam::*:user/break-*",
        reason="break-glass",
        approved_by="CISO",
        expires=date(2026, 12, 31),
    )
    bad = {**HUMAN, "mfa_enabled": False}
    [excepted] = run(
        "identity-user-mfa",
        observation("identity.user", bad, "arn:aws:iam::1:user/break-glass"),
        exceptions=[rule],
    )
    assert excepted.status is Status.EXCEPTED
    assert "approved by CISO" in excepted.reason
    expired = rule.model_copy(update={"expires": date(2026, 11, 22)})
    [failed] = run(
        "identity-user-mfa",
        observation("identity.user", bad, "arn:aws:iam::1:user/break-glass"),
        exceptions=[expired],
    )
    assert failed.status is Status.FAIL
    [other] = run(
        "identity-user-mfa", observation("identity.user", bad, "arn:aws:iam::1:user/bob"), exceptions=[rule]
    )
    assert other.status is Status.FAIL


def test_unreadable_scope_gives_error_results_for_its_types_only():
    collection = Collection(
        observations=[observation("storage.bucket", {"encrypted": True})],
        errors=[
            ScopeError(
                "aws",
                "aws:1:eu-west-1",
                "kms ListKeys failed in eu-west-1: Throttling",
                service="kms",
                types=("crypto.key",),
            )
        ],
    )
    results = evaluate(select(["key-rotation", "bucket-encryption"]), collection, default_parameters(), NOW)
    errors = [r for r in results if r.status is Status.ERROR]
    assert [(r.control, r.resource.scope) for r in errors] == [("key-rotation", "aws:1:eu-west-1")]
    assert "Throttling" in errors[0].reason
    assert any(r.control == "bucket-encryption" and r.status is Status.PASS for r in results)


def test_unset_policy_parameter_is_an_error_not_a_pass():
    params = {**default_parameters(), "pwd.history.history_count": None}
    [result] = run("password-history", observation("identity.password_policy", STRONG_POLICY), params=params)
    assert result.status is Status.ERROR
    assert "pwd.history.history_count" in result.reason


def test_results_for_people_put_failures_first():
    good = observation("storage.bucket", {"encrypted": True}, "a")
    bad = observation("storage.bucket", {"encrypted": False}, "b")
    ordered = sort_for_people(run("bucket-encryption", good, bad))
    assert [r.status for r in ordered] == [Status.FAIL, Status.PASS]


def test_an_unreadable_attribute_is_an_error_naming_why():
    # An Entra ID tenant without P1/P2 answers no MFA registration: not a failure, a gap.
    unlicensed = HUMAN | {"mfa_enabled": None, "unreadable": {"mfa_enabled": "needs Entra ID P1 or P2"}}
    (result,) = run("identity-user-mfa", observation("identity.user", unlicensed))
    assert result.status is Status.ERROR
    assert result.reason == "mfa_enabled could not be read: needs Entra ID P1 or P2"


def test_an_unreadable_population_attribute_is_an_error_too():
    # inactive-users judges only users whose last activity is known: unreadable is not unknown.
    unlicensed = HUMAN | {"last_activity": None, "unreadable": {"last_activity": "no licence"}}
    (result,) = run("inactive-users", observation("identity.user", unlicensed))
    assert (result.status, result.reason) == (Status.ERROR, "last_activity could not be read: no licence")
    outside = unlicensed | {"disabled": True}  # still outside the population by a known attribute
    assert list(run("inactive-users", observation("identity.user", outside))) == []


def test_an_inapplicable_attribute_is_not_applicable_with_its_reason():
    asymmetric = {
        "managed_by": "customer",
        "enabled": True,
        "rotation_enabled": False,
        "inapplicable": {"rotation_enabled": "asymmetric keys cannot rotate automatically"},
    }
    (result,) = run("key-rotation", observation("crypto.key", asymmetric))
    assert (result.status, result.reason) == (
        Status.NOT_APPLICABLE,
        "asymmetric keys cannot rotate automatically",
    )
    (plain,) = run("key-rotation", observation("crypto.key", asymmetric | {"inapplicable": {}}))
    assert plain.status is Status.FAIL


def test_no_lockout_fails_and_administrator_unlock_meets_any_duration():
    [none] = run("password-lockout", observation("identity.password_policy", {"exists": True}))
    assert (none.status, none.reason) == (Status.FAIL, "no lockout after failed sign-ins")
    admin_unlock = {"lockout_attempts": 5, "lockout_until_unlocked": True, "lockout_minutes": None}
    assert run("password-lockout-duration", observation("identity.password_policy", admin_unlock)) == []


def test_cipher_control_leaves_platform_endpoints_out():
    storage = {"kind": "storage_account", "protocol": "HTTPS", "cipher_algorithms": None}
    assert run("endpoint-strong-ciphers", observation("network.endpoint", storage)) == []
    [unknown] = run(
        "endpoint-strong-ciphers",
        observation(
            "network.endpoint", {**storage, "kind": "load_balancer_listener", "tls_policy": "custom"}
        ),
    )
    assert unknown.status is Status.FAIL  # suites evidra could not see are never compliant


def test_app_without_a_bound_policy_fails_and_inactive_apps_are_left_out():
    [unbound] = run("app-requires-mfa", observation("identity.application", {"status": "ACTIVE"}))
    assert unbound.reason == "no authentication policy is bound to it"
    inactive = {"status": "INACTIVE", "access_policy": None, "mfa_required": False}
    assert run("app-requires-mfa", observation("identity.application", inactive)) == []
