"""The IAM actions behind every operation the collector calls.

`iam-policy.json` beside this file is the least-privilege, read-only policy to give
the collector's role: exactly these actions. A test records every operation the
collector makes against the emulator and checks it is listed here, so the policy
cannot silently fall behind the code. IAM action names do not always match
operation names (S3 especially), hence a table rather than a rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

POLICY_FILE = Path(__file__).with_name("iam-policy.json")

# (boto3 service name, operation) -> IAM action
ACTIONS: dict[tuple[str, str], str] = {
    ("sts", "GetCallerIdentity"): "sts:GetCallerIdentity",
    ("ec2", "DescribeRegions"): "ec2:DescribeRegions",
    ("iam", "GenerateCredentialReport"): "iam:GenerateCredentialReport",
    ("iam", "GetCredentialReport"): "iam:GetCredentialReport",
    ("iam", "GetAccountAuthorizationDetails"): "iam:GetAccountAuthorizationDetails",
    ("iam", "ListMFADevices"): "iam:ListMFADevices",
    ("iam", "ListVirtualMFADevices"): "iam:ListVirtualMFADevices",
    ("iam", "GetAccountPasswordPolicy"): "iam:GetAccountPasswordPolicy",
    ("iam", "GetAccountSummary"): "iam:GetAccountSummary",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketLocation"): "s3:GetBucketLocation",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "GetBucketPolicy"): "s3:GetBucketPolicy",
    ("s3", "GetBucketPolicyStatus"): "s3:GetBucketPolicyStatus",
    ("s3", "GetBucketAcl"): "s3:GetBucketAcl",
    ("s3", "GetBucketTagging"): "s3:GetBucketTagging",
    ("kms", "ListKeys"): "kms:ListKeys",
    ("kms", "DescribeKey"): "kms:DescribeKey",
    ("kms", "GetKeyRotationStatus"): "kms:GetKeyRotationStatus",
    ("ec2", "GetEbsEncryptionByDefault"): "ec2:GetEbsEncryptionByDefault",
    ("ec2", "DescribeVolumes"): "ec2:DescribeVolumes",
    ("rds", "DescribeDBInstances"): "rds:DescribeDBInstances",
    ("cloudtrail", "DescribeTrails"): "cloudtrail:DescribeTrails",
    ("cloudtrail", "GetTrailStatus"): "cloudtrail:GetTrailStatus",
}


def required_actions() -> list[str]:
    return sorted(set(ACTIONS.values()))


def policy_document() -> dict[str, Any]:
    """The policy the table implies; `iam-policy.json` must equal it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EvidraReadOnlyEvidence",
                "Effect": "Allow",
                "Action": required_actions(),
                "Resource": "*",
            }
        ],
    }


def shipped_policy() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(POLICY_FILE.read_text(encoding="utf-8"))
    return document
