"""Normalized resource types: the vocabulary shared by every collector and every control.

A control names a type and reads only the attributes listed here, so the same control
applies to AWS, Azure, GCP and Okta unchanged. A collector may leave an attribute out
(None) when its provider has no such notion; a condition on a missing attribute fails
rather than passes, so the gap is visible. Adding an attribute is always allowed;
renaming one is a breaking change for stored evidence.

Timestamps are ISO 8601 strings in UTC ("2026-01-31T09:00:00Z").
"""

from __future__ import annotations

from dataclasses import dataclass

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
        "privileged": "bool or None: None when unknown",
        "disabled": "bool",
        "status": "str: the provider's own account status (Okta: ACTIVE, SUSPENDED, DEPROVISIONED ...)",
        "last_activity": "timestamp: the last sign-in, or the account's activation when it never signed in",
        "admin_roles": "list[str]: the provider's administrator roles held (Okta: SUPER_ADMIN ...)",
        "user_type": "str: Entra ID Member | Guest (a guest's identity lives in another tenant)",
        "mfa_enforced": "bool: the provider forces MFA on this user (Google Workspace 2SV enforcement)",
        "email": (
            "str or None: the account's email address, what people on HR's roster are matched by "
            "(else `name` when it is one, else `people.aliases`)"
        ),
        "direct_policies": (
            "int or None: permission policies attached to the identity itself instead of through "
            "a group or role (None: unknown)"
        ),
    },
    "identity.credential": {
        "owner": "str: the user or service account holding it",
        "kind": "str: access_key | api_token | service_account_key",
        "active": "bool",
        "created": "timestamp: when it was issued or last rotated",
        "last_used": "timestamp or None: never used",
        "owner_interactive": (
            "bool: the holder signs in interactively (a person); False: a service, non-interactive account"
        ),
        "last_activity": "timestamp: the last use, or the issue when it was never used",
    },
    "identity.role_binding": {
        "principal": "str: who holds the role (GCP member `user:alice@acme.com` ...)",
        "principal_kind": "str: user | group | service_account | domain | public | deleted",
        "role": "str: the role granted (roles/owner ...)",
        "basic_role": "bool: one of the provider's basic all-powerful roles (GCP roles/owner, roles/editor)",
        "resource": "str: what it is granted on (organisation, folder, project)",
        "conditional": "bool: the grant holds only under an IAM condition",
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
        "lockout_minutes": "int or None: how long a locked account stays locked before it unlocks itself",
        "lockout_until_unlocked": "bool: a locked account stays locked until an administrator unlocks it",
    },
    "identity.signon_policy": {
        "policy": "str: the policy's name",
        "rule": "str: the rule's name (one observation per active rule)",
        "kind": "str: global_session (who may start a session, how long it lasts) | authentication (per app)",
        "priority": "int: evaluation order within the policy, 1 first",
        "applies_to": "str: whom the rule governs (group names, 'everyone')",
        "access": "str: allow | deny",
        "mfa_required": "bool: the rule demands a second factor",
        "mfa_required_for": "str or None: whom it demands MFA of (the groups it applies to); None: nobody",
        "allowed_factor_types": "list[str] or None: the mfa_methods vocabulary; None: not restricted",
        "max_idle_minutes": "int or None: an idle session ends after this long",
        "max_session_minutes": "int or None: a session ends after this long",
        "enforced_by": "list[str]: the policies that enforce the rule (Entra ID Conditional Access)",
    },
    "identity.event": {
        "event_type": "str: the provider's event name (user.lifecycle.deactivate ...)",
        "action": (
            "str: deactivated | suspended | deleted | reactivated | mfa_factors_reset | mfa_factor_removed "
            "| signed_in"
        ),
        "published": "timestamp: when it happened",
        "actor": "str: who did it",
        "target": "str: the user it happened to (login)",
        "target_id": "str: the user's id",
        "outcome": "str: SUCCESS | FAILURE ...",
    },
    "identity.deprovisioning": {
        "user": "str: the leaver, as the terminations file (or the roster) names them",
        "provider": "str: the provider of the account judged (roster view: one observation per account)",
        "account": "str: the account judged (its name at the provider)",
        "account_ref": "str: `provider|scope|id` of the account (roster view)",
        "employment_type": "str: employee | contractor | vendor (roster view)",
        "terminated_at": "timestamp: termination time from the terminations file",
        "account_found": "bool: the identity provider knows the account (or logged its removal)",
        "access_removed": "bool: the account is deactivated, suspended or deleted",
        "access_removed_at": "timestamp or None: when",
        "removed_by": "str or None: deactivated | suspended | deleted",
        "hours_to_removal": "float or None: hours from termination to removal (negative: removed before)",
        "hours_since_termination": "float: hours from termination to the observation",
    },
    "hr.roster": {
        "source": "str: the file or HR system the roster was read from",
        "digest": "str: sha256 of the roster as read (the file's bytes, or the API's rows)",
        "people": "int: people on the roster",
        "active": "int: people employed on the day of the run",
        "by_employment_type": "dict[str, int]",
    },
    "hr.person": {
        "email": "str: the work email, lower case: the key accounts are matched by",
        "name": "str",
        "employment_type": "str: employee | contractor | vendor",
        "department": "str",
        "manager_email": "str or None",
        "start_date": "date or None: YYYY-MM-DD",
        "end_date": "date or None: still employed",
        "active": "bool: employed on the day of the run",
        "background_check_at": "date or None",
        "training_completed_at": "list[date]: security awareness training completions",
        "secure_coding_completed_at": "list[date]: secure-coding training completions",
    },
    "people.person": {
        "email": "str",
        "name": "str",
        "employment_type": "str",
        "department": "str",
        "manager_email": "str or None",
        "start_date": "date or None",
        "end_date": "date or None",
        "active": "bool: employed on the day of the run",
        "background_check_at": "date or None",
        "training_completed_at": "list[date]",
        "secure_coding_completed_at": "list[date]",
        "accounts": "list[str]: `provider:account` matched to the person in this run (people view)",
        "active_accounts": "list[str]: those not disabled",
        "first_access": "timestamp or None: the earliest creation of a matched account",
        "background_check_before_access": "bool or None: None when the person has no account",
        "security_training": "str: current | not_due | missing | late | expired",
        "security_training_detail": "str: why, with the dates",
        "source_control_access": "bool: holds an account on a source-control provider",
        "secure_coding_training": "str: current | not_due | missing | late | expired | not_required",
        "secure_coding_training_detail": "str",
        "previous_department": "str or None: the department before the latest move",
        "moved_at": "timestamp or None: when the latest move was first seen",
        "access": "list[str]: active accounts with their administrator roles (`provider:name [roles]`)",
        "access_at_move": "list[str]: `access` as it was when the latest move was seen",
        "mover_access": "str or None: changed | pending (within the grace period) | unchanged",
        "account_refs": "list[str]: `provider|scope|id` of the accounts matched",
        "workstation_accounts": (
            "list[str]: active accounts on workstation providers (people.workstation_providers)"
        ),
        "managed_devices": "list[str]: managed computers (`provider:name`) whose MDM owner is the person",
        "has_managed_device": "bool or None: at least one; None when no device management was read",
    },
    "people.account": {
        "provider": "str: the identity provider or cloud holding the account",
        "account": "str: its name there",
        "account_ref": "str: provider, scope and id of the identity.user observation",
        "email": "str or None: the address it was matched by",
        "matched_by": "str or None: email | alias | service_identity (None: nobody)",
        "owner": "str or None: the person's email",
        "owner_employment_type": "str or None",
        "owner_active": "bool: the owner is employed today, or the account is a declared service identity",
        "owner_status": "str: active | not_started | left | service | unknown",
        "owner_end_date": "date or None",
        "disabled": "bool",
        "privileged": "bool or None",
        "admin_roles": "list[str]",
        "last_activity": "timestamp or None",
    },
    "access_review.revocation": {
        "review_id": "str",
        "reviewer": "str: who recorded the decision",
        "decided_at": "timestamp: when the decision was recorded",
        "provider": "str",
        "account": "str",
        "account_ref": "str: `provider|scope|id`",
        "owner": "str or None",
        "comment": "str or None: the reviewer's comment",
        "executed": "bool: the account is gone or disabled",
        "executed_at": "timestamp or None: the first run that saw it so",
        "days_to_execute": "float or None",
        "due_by": "timestamp or None: decision + removal_deadline_days",
        "status": "str: executed | pending | overdue",
    },
    "access_review.cadence": {
        "kind": "str: all | privileged",
        "reviews": "int: reviews recorded",
        "last_review_id": "str or None",
        "last_review_at": "timestamp or None",
        "last_reviewer": "str or None",
        "last_period": "str or None",
    },
    "endpoint.device": {
        "owner": "str or None: the person the device is assigned to (email), as the MDM records it",
        "platform": "str: macOS | iOS | iPadOS | Windows | Android | ...",
        "kind": "str: workstation (a computer) | mobile (a phone or tablet)",
        "managed": "bool: enrolled in and managed by the MDM",
        "encrypted": "bool: the whole disk (or data protection) is encrypted",
        "os_version": "str: the operating system's version as reported (14.6.1)",
        "os_major": "int or None: its major version (14)",
        "last_check_in": "timestamp or None: the device's last contact with the MDM",
        "screen_lock_minutes": (
            "int or None: idle minutes before the screen locks, as enforced by a profile; None: not enforced"
        ),
        "passcode_required": "bool or None: a passcode (or password) is required to unlock",
        "malware_protection": "bool or None: malware protection is on and reporting",
        "lost_mode": "bool: the device is marked lost (Jamf Lost Mode)",
        "compromised": "bool or None: jailbroken or rooted, as the MDM detects it (None: not reported)",
        "os_build": "int or None: the operating system's build where it tells the release (Windows: 22631)",
        "management_state": (
            "str or None: managed | unmanaged | wipe_pending | retire_pending | delete_pending | ... "
            "(the MDM's state, in these words when it means one of them)"
        ),
    },
    "endpoint.coverage": {
        "user": "str: the identity provider user's email (else login)",
        "provider": "str: the workstation identity provider (okta, azure, google_workspace)",
        "account": "str: the user's login there",
        "account_ref": "str: `provider|scope|id` of the identity.user observation",
        "managed_devices": "list[str]: managed computers (`provider:name`) whose MDM owner is the user",
        "has_managed_device": "bool: at least one",
    },
    "endpoint.lost_device": {
        "device": "str: `provider:name` of the device marked lost",
        "device_ref": "str: `provider|scope|id` of the endpoint.device observation",
        "owner": "str or None: its owner as the MDM records it",
        "lost_at": "timestamp: the first run that saw it marked lost (Lost Mode: locked)",
        "cleared": "bool: wiped, retired, unenrolled, gone from device management, or recovered",
        "cleared_by": "str or None: wipe | retire | unenrolled | removed | recovered",
        "cleared_at": "timestamp or None: the first run that saw it so",
        "hours_to_clear": "float or None: hours from lost_at to cleared_at",
    },
    "endpoint.offboarding": {
        "user": "str: the leaver's email",
        "employment_type": "str or None: employee | contractor | vendor",
        "device": "str: `provider:name` of the device",
        "device_ref": "str: `provider|scope|id` of the endpoint.device observation",
        "kind": "str or None: workstation | mobile",
        "terminated_at": "timestamp: the end of the leaver's last day (UTC)",
        "cleared": "bool: company data is removed or being removed from the device",
        "cleared_by": "str or None: wipe | retire | unenrolled | reassigned | removed (gone from the MDM)",
        "cleared_at": "timestamp or None: the first run that saw it cleared (None: so when first seen)",
        "hours_to_clear": "float or None: hours from termination to cleared_at",
        "hours_since_termination": "float or None: while not cleared",
    },
    # A state, not an event: the instance's patch status as its patch tool last assessed it.
    # A missing patch has an age, but providers date it differently (GCP: when its
    # vulnerability was first detected on the instance; SSM and Azure's summary: not at
    # all), so the dates are attributes beside the counts and a control judges "missing
    # longer than the deadline" from them; an undated missing patch is never in time.
    "compute.patch_state": {
        "instance": "str: the instance's id or name at the provider (i-0abc..., the VM's name)",
        "source": "str: the patch tool that assessed it (ssm, osconfig, update_manager)",
        "os": "str or None: the operating system as the patch tool reports it (Ubuntu 22.04 ...)",
        "assessed": "bool: the patch tool has assessed the instance at least once",
        "last_assessed": "timestamp or None: when its latest patch assessment (scan) ended",
        "compliance": (
            "str or None: the provider's own verdict or assessment status "
            "(COMPLIANT, NON_COMPLIANT, Succeeded ...)"
        ),
        "missing_critical": (
            "int or None: missing patches rated critical (None: the provider does not rate them apart)"
        ),
        "missing_security": "int or None: missing patches that are security updates or rated critical",
        "missing_other": "int or None: missing patches of every other classification",
        "oldest_missing_critical": (
            "timestamp or None: when the oldest missing critical patch was released or its "
            "vulnerability first detected (None: none missing, or the provider does not date it)"
        ),
        "oldest_missing_security": (
            "timestamp or None: the same for the oldest missing security or critical patch"
        ),
        "region": "str or None: the region or zone it runs in",
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
        "versioning": "bool: object versions are kept (overwritten or deleted data can be recovered)",
        "access_logging": "bool: requests to the bucket are logged (server access logging)",
        "network_default_action": "str or None: Allow | Deny, for networks not explicitly allowed (Azure)",
        "public_grants": "list[str]: roles granted to anyone, as `role member` (GCP allUsers ...)",
        "uniform_access": "bool: access is governed by bucket policy alone, per-object ACLs off",
        "retention_days": "int or None: objects cannot be deleted or replaced for this long",
        "retention_locked": "bool: the retention policy is locked and cannot be shortened or removed",
        "classification": "str or None: the data classification tag / label (Public, Internal, Confidential)",
        "lifecycle_expiry": "bool: an enabled lifecycle rule deletes objects automatically when they expire",
    },
    "crypto.key": {
        "managed_by": "str: customer | provider",
        "enabled": "bool",
        "rotation_enabled": "bool",
        "rotation_period_days": "int or None",
        "next_rotation": "timestamp or None: when the key next rotates automatically",
        "key_spec": "str",
        "expires": "timestamp or None: the key's expiry (Azure Key Vault)",
        "vault_soft_delete": "bool: deleted keys are recoverable (Azure Key Vault soft delete)",
        "vault_purge_protection": "bool: deleted keys cannot be purged before the retention ends",
        "region": "str",
    },
    "compute.volume": {
        "encrypted": "bool",
        "kms_key": "str or None",
        "attached": "bool",
        "encryption_type": "str or None: the provider's setting (Azure EncryptionAtRestWithPlatformKey ...)",
        "region": "str",
    },
    "database.instance": {
        "engine": "str",
        "encrypted": "bool: storage encrypted at rest",
        "kms_key": "str or None",
        "publicly_accessible": "bool",
        "backup_retention_days": "int",
        "auditing_enabled": "bool: database activity is audited (Azure SQL auditing)",
        "tls_required": "bool: unencrypted connections are refused",
        "classification": "str or None: the data classification tag / label (Public, Internal, Confidential)",
        "region": "str",
    },
    "logging.audit_trail": {
        "logging": "bool: the trail is recording now",
        "multi_region": "bool: it records every region",
        "log_file_validation": "bool: log files are signed / integrity-protected",
        "encrypted_with_customer_key": "bool",
        "kms_key": "str or None",
        "home_region": "str",
        "exported_to": "list[str]: where the trail's records are delivered (Azure: diagnostic settings)",
        "destination": "str: where the trail's logs are kept (bucket, log bucket ...)",
        "covers_children": "bool: records the projects / accounts below the one it is set on",
        "audit_log_types": "list[str]: data access log types on (GCP: ADMIN_READ, DATA_READ, DATA_WRITE)",
        "data_access_logging": "bool: reads and writes of data are logged, not only administration",
        "management_events": "bool: administrative (management) events are recorded, reads and writes",
    },
    "logging.log_group": {
        "retention_days": "int or None: days events are kept; None: kept forever",
        "locked": "bool: the retention cannot be shortened and logs cannot be deleted before it ends",
        "encrypted_with_customer_key": "bool",
        "kms_key": "str or None",
        "region": "str",
    },
    "monitoring.threat_detection": {
        "service": "str: the provider's threat detection service (guardduty ...)",
        "enabled": "bool: the service is on and analysing in this region / scope",
        "features": "list[str]: the detection features switched on (S3_DATA_EVENTS, EKS_AUDIT_LOGS ...)",
        "region": "str",
    },
    "monitoring.config_recorder": {
        "recording": "bool: configuration changes are being recorded now",
        "all_resources": "bool: every supported resource type is recorded",
        "global_resources": "bool: global resources (IAM ...) are recorded too",
        "region": "str",
    },
    "monitoring.security_posture": {
        "service": "str: the provider's posture management service (securityhub ...)",
        "enabled": "bool: findings against security standards are produced in this region / scope",
        "region": "str",
    },
    "network.virtual_network": {
        "default": "bool: the provider's default network (made with the account, not by anyone)",
        "flow_logs_enabled": "bool: traffic through it is logged (an active flow log)",
        "region": "str",
    },
    "messaging.topic": {
        "encrypted": "bool: messages are encrypted at rest",
        "kms_key": "str or None: the key used (a customer-managed or the provider's managed key)",
        "region": "str",
    },
    "network.firewall_rule": {
        "network": "str or None: the network it belongs to (VPC id ...)",
        "open_to_internet": "bool: some rule admits traffic from any address (0.0.0.0/0 or ::/0)",
        "internet_ports": "list[str]: what any address may reach: all, icmp, ports or ranges (22, 8000-8100)",
        "region": "str",
    },
    "network.endpoint": {
        "kind": "str: load_balancer_listener | cdn_distribution | storage_account | sql_server | app_service",
        "protocol": "str: HTTPS | TLS | HTTP",
        "tls_policy": "str or None: the provider's named TLS policy",
        "min_tls_protocol": "str or None: the oldest protocol accepted (SSLv3, TLSv1.0 ...); None: no TLS",
        "plaintext_allowed": "bool: unencrypted HTTP is served (not only redirected to HTTPS)",
        "cipher_algorithms": (
            "list[str] or None: the algorithms of the cipher suites offered "
            "(AES, 3DES, RC4, SHA-1, MD5 ...); None: not known"
        ),
        "region": "str",
    },
    "certificate": {
        "domain": "str",
        "status": "str: ISSUED | EXPIRED | REVOKED | PENDING_VALIDATION | ...",
        "issued": "timestamp or None: when the current certificate was issued (or imported)",
        "expires": "timestamp or None: not valid after",
        "key_algorithm": "str: the provider's name (RSA_2048, EC_prime256v1 ...)",
        "key_family": "str: RSA | EC",
        "key_bits": "int: key size in bits",
        "in_use": "bool: attached to a load balancer, CDN or other endpoint",
        "managed_renewal": "bool: the provider renews it (issued by the provider, not imported)",
        "region": "str",
    },
    "storage.file_system": {
        "encrypted": "bool: data is encrypted at rest",
        "kms_key": "str or None",
        "region": "str",
    },
    "backup.plan": {
        "rules": "int: backup rules (schedules) in the plan",
        "min_retention_days": "int or None: the shortest retention of its rules; None: all keep forever",
        "copies_to_other_region": "bool: a rule copies its backups to a vault in another region or account",
        "region": "str",
    },
    "scm.organization": {
        "two_factor_required": "bool or None: members must have two-factor (None: not visible)",
        "members_without_2fa": "list[str] or None: members without two-factor (None: not visible)",
        "outside_collaborators": "int: people with repository access who are not members",
        "actions_allowed": "str or None: all | local_only | selected | disabled (which CI actions may run)",
        "workflow_token_read_only": "bool or None: CI workflow tokens are read-only by default",
    },
    "scm.repository": {
        "default_branch": "str",
        "visibility": "str: public | private | internal",
        "branch_protected": "bool: the default branch has branch protection, a ruleset or a protected branch",
        "protection_sources": "list[str]: where the protection comes from (classic, ruleset:NAME ...)",
        "required_approvals": "int: approving reviews required before merge (0: none)",
        "dismiss_stale_reviews": "bool: a new push dismisses earlier approvals",
        "code_owner_review": "bool: changes to owned paths need a code owner's approval",
        "required_checks": "list[str]: status checks that must pass before merge",
        "required_check_count": "int: how many status checks must pass before merge",
        "enforce_admins": "bool: administrators cannot bypass the review requirement",
        "force_push_blocked": "bool",
        "deletion_blocked": "bool",
        "codeowners": "bool: a CODEOWNERS file is present",
        "secret_scanning": "bool or None: secret scanning is on (None: not visible)",
        "push_protection": "bool or None: pushes containing secrets are blocked",
        "dependency_alerts": "bool or None: vulnerable dependency alerts (Dependabot) are on",
        "actions_allowed": "str or None: all | local_only | selected | disabled",
        "workflow_token_read_only": "bool or None: the CI workflow token is read-only by default",
        "outside_collaborators": "list[str]: `login:permission` of collaborators who are not members",
    },
    "scm.collaborator": {
        "login": "str",
        "kind": "str: outside (not a member of the organisation)",
        "repositories": "list[str]: `repository:permission` for every repository it can reach",
        "admin_on": "list[str]: repositories it administers",
    },
    "change.merge": {
        "repository": "str: the repository's URL",
        "number": "int: the pull / merge request number",
        "title": "str",
        "author": "str",
        "merged_by": "str or None",
        "merged_at": "timestamp: when it was merged (the event's time)",
        "base_branch": "str: the branch merged into (the default branch)",
        "head_sha": "str: the commit that was reviewed and tested",
        "approvers": "list[str]: who approved the merged head, the author excluded",
        "approved_by_other": "bool: the merged head was approved by someone other than the author",
        "required_checks": "list[str]: the checks the branch requires",
        "check_conclusions": "dict[str, str]: each required check's conclusion on the merged head",
        "required_checks_passed": "bool: every required check succeeded (True when none is required)",
        "ticket": "str or None: the ticket reference found in title, branch or body",
        "protected_at_merge": "bool: the branch was protected when read",
        "admin_bypass": "bool: merged without meeting the branch's requirements (an administrator bypass)",
        "code_owner_review_required": "bool: the branch requires code owners' review",
    },
    "vuln.finding": {
        "source": "str: the scanner (dependabot, code_scanning, gitlab ...)",
        "resource": "str: what is affected (a repository URL, a host ...)",
        "title": "str: the advisory or rule",
        "severity": "str: critical | high | medium | low",
        "state": "str: open | fixed | dismissed",
        # Only dates that stay put while a finding is open: its age so far (or a "last seen"
        # time) would change the stored snapshot every run; controls measure intervals
        # with `until:` at the run's time, reports from the run's dates.
        "first_observed": "timestamp: when it was detected (the lifetime's start)",
        "fixed_at": "timestamp or None",
        "fix_verified": (
            "bool or None: the scanner confirmed the fix, a later scan no longer finding it (Security "
            "Hub archived it, GitHub fixed, GitLab resolved on the default branch, Defender healthy, "
            "SCC inactive); False: a person marked it resolved; None while not fixed"
        ),
        "closed_at": "timestamp or None: fixed or dismissed (the lifetime's end)",
        "triaged_at": (
            "timestamp or None: when the source first shows it reviewed (Security Hub's workflow "
            "leaving NEW, GitLab's confirmation, resolution or dismissal, a GitHub dismissal); None "
            "while unreviewed. A source that records no review marks it `inapplicable`"
        ),
        "suppressed": "bool: dismissed without a fix",
        "suppression_reason": "str or None: the dismissal reason (tolerable_risk, false_positive ...)",
        "suppression_comment": "str or None: the dismisser's justification",
        "dismissed_by": "str or None",
    },
    # One per scannable resource of the inventory (compute instance, container repository,
    # function) and whether a vulnerability scanner covers it: an uncovered one is listed
    # with the scanner's reason, or as unknown to every scanner.
    "vuln.scan_coverage": {
        "kind": "str: compute_instance | container_repository | function",
        "covered": "bool: a scanner scans it continuously (Inspector's scan status ACTIVE)",
        "scanner": "str or None: the scanner that lists it (inspector2); None when none does",
        "scan_status": (
            "str or None: the scanner's status and reason (ACTIVE/SUCCESSFUL, INACTIVE/EXCLUDED_BY_TAG ...)"
        ),
        "region": "str",
    },
    "backup.snapshot": {
        "kind": "str: volume_snapshot | database_snapshot | cluster_snapshot | backup_vault",
        "encrypted": "bool: the backup is encrypted at rest (and so while it is copied)",
        "kms_key": "str or None",
        "region": "str",
    },
    "monitoring.alerting": {
        "service": "str: where the alerts are defined (cloudwatch+eventbridge, activity_log_alerts ...)",
        "alerted_events": (
            "list[str]: security events an active alert fires on: root_usage, iam_policy_change, "
            "console_login_without_mfa, audit_config_change, firewall_change, unauthorized_api_calls, "
            "key_disable_or_deletion"
        ),
        "unalerted_security_events": (
            "list[str]: the security events SEC-POL alerting names (root_usage, iam_policy_change, "
            "console_login_without_mfa, audit_config_change, firewall_change) with no active alert"
        ),
        "key_misuse_alerted": "bool: disabling or scheduling the deletion of a key raises an alert",
        "region": "str",
    },
    "monitoring.data_loss_prevention": {
        "service": "str: the provider's sensitive-data discovery service (macie ...)",
        "enabled": "bool: the service is on in this region / scope",
        "region": "str",
    },
    "network.peering": {
        "status": "str: the provider's state of the connection (active ...)",
        "environments": "list[str]: the environment tag of each side (production, staging ...; unknown)",
        "crosses_environments": "bool: it joins networks of different environments, or of unknown ones",
        "region": "str",
    },
    "inventory.scope": {
        "kind": "str: aws_account | azure_subscription | gcp_project | saas_app",
        "status": "str: the provider's state (ACTIVE, Enabled ...)",
        "active": "bool: the account, subscription, project or application is in use",
        "collected": "bool: evidra reads it (in the configured scopes, or inventoried through the IdP)",
    },
    "identity.application": {
        "status": "str: ACTIVE | INACTIVE",
        "sign_on_mode": "str: how people sign in to it (SAML_2_0, OPENID_CONNECT, BOOKMARK ...)",
        "access_policy": "str or None: the authentication policy bound to it",
        "mfa_required": "bool: every rule of that policy that allows access demands a second factor",
    },
}


# Every type may say, per attribute, why a value is missing: `unreadable` (evidra could
# not read it: a licence, a permission) makes a control judging that attribute `error`
# with the reason; `inapplicable` (the notion does not apply: a key that cannot rotate)
# makes it `not_applicable` with the reason. Neither is a verdict the collector makes:
# the control still decides which attributes matter.
JUDGEMENT_ATTRIBUTES: dict[str, str] = {
    "unreadable": "dict[str, str]: attribute -> why evidra could not read it (its controls are `error`)",
    "inapplicable": "dict[str, str]: attribute -> why it does not apply (its controls are `not_applicable`)",
}
for _attributes in RESOURCE_TYPES.values():
    _attributes.update(JUDGEMENT_ATTRIBUTES)


@dataclass(frozen=True)
class EventTime:
    """Where an event type keeps its time: `start`, the attribute holding when it
    happened (or opened); `end`, for an event with a lifetime (a finding), the attribute
    holding when it closed (None while open). `end` None: a point event."""

    start: str
    end: str | None = None
    # For a point event that calls for an action (a leaver's access to remove): the
    # attribute holding when it was done, so that a report shows the delay.
    resolved: str | None = None


# Events are not states. An observation of one of these types is a fact with a time (a
# merged change, a System Log entry, a leaver's removal) or a lifetime (a finding): it
# belongs to the period its time falls in, and its absence from later runs is not a
# deletion (the provider's window moved on, or the finding closed). Every other type is
# a state, judged as it was in each run. Providers adding event types register them here.
EVENT_TYPES: dict[str, EventTime] = {
    "identity.event": EventTime("published"),
    "identity.deprovisioning": EventTime("terminated_at", resolved="access_removed_at"),
    "endpoint.offboarding": EventTime("terminated_at", resolved="cleared_at"),
    "endpoint.lost_device": EventTime("lost_at", resolved="cleared_at"),
    "change.merge": EventTime("merged_at"),
    "vuln.finding": EventTime("first_observed", "closed_at"),
}


def is_event(type_name: str) -> bool:
    return type_name in EVENT_TYPES


def describe(type_name: str) -> dict[str, str]:
    return RESOURCE_TYPES[type_name]
