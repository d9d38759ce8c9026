"""Normalized resource types: the vocabulary shared by every collector and every control.

A control names a type and reads only the attributes listed here, so the same control
applies to AWS, Azure, GCP and Okta unchanged. A collector may leave an attribute out
(None) when its provider has no such notion; a condition on a missing attribute fails
rather than passes, so the gap is visible. Adding an attribute is always allowed;
renaming one is a breaking change for stored evidence.

Timestamps are ISO 8601 strings in UTC ("2026-01-31T09:00:00Z").
"""

from __future__ import annotations

RESOURCE_TYPES: dict[str, dict[str, str]] = {
    "account": {
        "root_mfa_enabled": "bool: the root / break-glass owner identity has MFA",
        "root_access_keys": "int: active API keys held by the root identity",
        "public_access_blocked": "bool: an account-wide switch blocks public storage access",
        "audit_trail_multi_region": "bool: an audit trail covering every region is logging",
        "default_volume_encryption": "bool: new block volumes are encrypted by default (per region)",
        "region": "str: the region an account-level regional setting belongs to",
    },
    "identity.user": {
        "name": "str",
        "kind": "str: human | service | root",
        "console_access": "bool: can sign in interactively with a password",
        "mfa_enabled": "bool: at least one MFA factor is active",
        "mfa_methods": (
            "list[str]: authenticator_app | hardware_token | sms | voice | email | push | biometric"
        ),
        "last_login": "timestamp or None",
        "created": "timestamp",
        "privileged": "bool or None when unknown",
        "disabled": "bool",
    },
    "identity.credential": {
        "owner": "str: the user or service account holding it",
        "kind": "str: access_key | api_token | service_account_key",
        "active": "bool",
        "created": "timestamp: when it was issued or last rotated",
        "last_used": "timestamp or None: never used",
    },
    "identity.password_policy": {
        "exists": "bool: a policy is configured at all",
        "applies_to": "str: who the policy governs (account, group name ...)",
        "privileged": "bool: the policy governs administrators",
        "min_length": "int",
        "require_uppercase": "bool",
        "require_lowercase": "bool",
        "require_numbers": "bool",
        "require_symbols": "bool",
        "character_classes": "int: how many of the four classes are required",
        "max_age_days": "int or None: passwords never expire",
        "history_count": "int or None: reuse not prevented",
        "lockout_attempts": "int or None: no lockout",
    },
    "storage.bucket": {
        "encrypted": "bool: data is encrypted at rest by default",
        "encryption_algorithm": "str: AES256 | aws:kms | ...",
        "kms_key": "str or None: the customer-managed key used",
        "public_access_blocked": "bool: public access is blocked at bucket or account level",
        "policy_grants_public": "bool: the access policy grants access to anyone",
        "acl_grants_public": "bool: an ACL grants access to everyone",
        "public": "bool: reachable by anyone (a public grant not blocked)",
        "tls_only": "bool: the policy denies requests not made over TLS",
        "region": "str",
    },
    "crypto.key": {
        "managed_by": "str: customer | provider",
        "enabled": "bool",
        "rotation_enabled": "bool",
        "rotation_period_days": "int or None",
        "key_spec": "str",
        "region": "str",
    },
    "compute.volume": {
        "encrypted": "bool",
        "kms_key": "str or None",
        "attached": "bool",
        "region": "str",
    },
    "database.instance": {
        "engine": "str",
        "encrypted": "bool: storage encrypted at rest",
        "kms_key": "str or None",
        "publicly_accessible": "bool",
        "backup_retention_days": "int",
        "region": "str",
    },
    "logging.audit_trail": {
        "logging": "bool: the trail is recording now",
        "multi_region": "bool: it records every region",
        "log_file_validation": "bool: log files are signed / integrity-protected",
        "encrypted_with_customer_key": "bool",
        "kms_key": "str or None",
        "home_region": "str",
    },
}


def describe(type_name: str) -> dict[str, str]:
    return RESOURCE_TYPES[type_name]
