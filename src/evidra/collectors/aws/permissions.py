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
ORGANIZATION_POLICY_FILE = Path(__file__).with_name("iam-policy-organization.json")

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
    ("ec2", "DescribeInstances"): "ec2:DescribeInstances",
    ("ecr", "DescribeRepositories"): "ecr:DescribeRepositories",
    ("lambda", "ListFunctions"): "lambda:ListFunctions",
    ("inspector2", "ListCoverage"): "inspector2:ListCoverage",
    ("rds", "DescribeDBInstances"): "rds:DescribeDBInstances",
    ("rds", "DescribeDBParameters"): "rds:DescribeDBParameters",
    ("rds", "DescribeDBClusters"): "rds:DescribeDBClusters",
    ("rds", "DescribeDBClusterParameters"): "rds:DescribeDBClusterParameters",
    ("cloudtrail", "DescribeTrails"): "cloudtrail:DescribeTrails",
    ("cloudtrail", "GetTrailStatus"): "cloudtrail:GetTrailStatus",
    ("cloudtrail", "GetEventSelectors"): "cloudtrail:GetEventSelectors",
    ("s3", "GetBucketVersioning"): "s3:GetBucketVersioning",
    ("s3", "GetBucketLogging"): "s3:GetBucketLogging",
    ("guardduty", "ListDetectors"): "guardduty:ListDetectors",
    ("guardduty", "GetDetector"): "guardduty:GetDetector",
    ("config", "DescribeConfigurationRecorders"): "config:DescribeConfigurationRecorders",
    ("config", "DescribeConfigurationRecorderStatus"): "config:DescribeConfigurationRecorderStatus",
    ("securityhub", "DescribeHub"): "securityhub:DescribeHub",
    ("securityhub", "GetFindings"): "securityhub:GetFindings",
    ("securityhub", "GetFindingHistory"): "securityhub:GetFindingHistory",
    ("ec2", "DescribeVpcs"): "ec2:DescribeVpcs",
    ("ec2", "DescribeFlowLogs"): "ec2:DescribeFlowLogs",
    ("ec2", "DescribeSecurityGroups"): "ec2:DescribeSecurityGroups",
    ("logs", "DescribeLogGroups"): "logs:DescribeLogGroups",
    ("sns", "ListTopics"): "sns:ListTopics",
    ("sns", "GetTopicAttributes"): "sns:GetTopicAttributes",
    ("elbv2", "DescribeLoadBalancers"): "elasticloadbalancing:DescribeLoadBalancers",
    ("elbv2", "DescribeListeners"): "elasticloadbalancing:DescribeListeners",
    ("elbv2", "DescribeSSLPolicies"): "elasticloadbalancing:DescribeSSLPolicies",
    ("cloudfront", "ListDistributions"): "cloudfront:ListDistributions",
    ("acm", "ListCertificates"): "acm:ListCertificates",
    ("acm", "DescribeCertificate"): "acm:DescribeCertificate",
    ("dynamodb", "ListTables"): "dynamodb:ListTables",
    ("dynamodb", "DescribeTable"): "dynamodb:DescribeTable",
    ("dynamodb", "DescribeContinuousBackups"): "dynamodb:DescribeContinuousBackups",
    ("dynamodb", "GetResourcePolicy"): "dynamodb:GetResourcePolicy",
    ("efs", "DescribeFileSystems"): "elasticfilesystem:DescribeFileSystems",
    ("backup", "ListBackupPlans"): "backup:ListBackupPlans",
    ("backup", "GetBackupPlan"): "backup:GetBackupPlan",
    ("backup", "ListBackupVaults"): "backup:ListBackupVaults",
    ("ec2", "DescribeSnapshots"): "ec2:DescribeSnapshots",
    ("ec2", "DescribeVpcPeeringConnections"): "ec2:DescribeVpcPeeringConnections",
    ("rds", "DescribeDBSnapshots"): "rds:DescribeDBSnapshots",
    ("rds", "DescribeDBClusterSnapshots"): "rds:DescribeDBClusterSnapshots",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("dynamodb", "ListTagsOfResource"): "dynamodb:ListTagsOfResource",
    ("cloudwatch", "DescribeAlarms"): "cloudwatch:DescribeAlarms",
    ("logs", "DescribeMetricFilters"): "logs:DescribeMetricFilters",
    ("events", "ListRules"): "events:ListRules",
    ("events", "ListTargetsByRule"): "events:ListTargetsByRule",
    ("macie2", "GetMacieSession"): "macie2:GetMacieSession",
    ("ssm", "DescribeInstanceInformation"): "ssm:DescribeInstanceInformation",
    ("ssm", "DescribeInstancePatchStates"): "ssm:DescribeInstancePatchStates",
    ("ssm", "DescribeInstancePatches"): "ssm:DescribeInstancePatches",
    ("ssm", "ListResourceComplianceSummaries"): "ssm:ListResourceComplianceSummaries",
    # IAM Identity Center: its API's signing name, and so its actions' prefix, is `sso`.
    ("sso-admin", "ListInstances"): "sso:ListInstances",
    ("sso-admin", "ListAccountAssignmentsForPrincipal"): "sso:ListAccountAssignmentsForPrincipal",
    ("sso-admin", "DescribePermissionSet"): "sso:DescribePermissionSet",
    ("sso-admin", "ListManagedPoliciesInPermissionSet"): "sso:ListManagedPoliciesInPermissionSet",
    ("sso-admin", "GetInlinePolicyForPermissionSet"): "sso:GetInlinePolicyForPermissionSet",
    ("identitystore", "ListUsers"): "identitystore:ListUsers",
    ("identitystore", "ListGroupMembershipsForMember"): "identitystore:ListGroupMembershipsForMember",
}


# What the caller itself needs on top of the policy above to read an organisation
# (`accounts: organization`, or a list): list the accounts, and enter each one.
ORGANIZATION_ACTIONS: dict[tuple[str, str], str] = {
    ("organizations", "ListAccounts"): "organizations:ListAccounts",
    ("sts", "AssumeRole"): "sts:AssumeRole",
}
# The role name in the shipped organisation policy: replace it with your `role_name`.
EXAMPLE_ROLE_NAME = "EvidraAudit"


def needed_action(service: str, operation: str) -> str:
    """What an access-denied error should tell the user to grant, and where it is shipped."""
    if (service, operation) in ORGANIZATION_ACTIONS:
        action, policy = ORGANIZATION_ACTIONS[service, operation], ORGANIZATION_POLICY_FILE
    else:
        action, policy = ACTIONS.get((service, operation), f"{service}:{operation}"), POLICY_FILE
    return f"evidra needs the IAM action {action}; see {policy.name}"


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


def organization_policy_document() -> dict[str, Any]:
    """The caller's extra policy for an organisation: `iam-policy-organization.json` must equal it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EvidraListOrganizationAccounts",
                "Effect": "Allow",
                "Action": [ORGANIZATION_ACTIONS[("organizations", "ListAccounts")]],
                "Resource": "*",
            },
            {
                "Sid": "EvidraEnterMemberAccounts",
                "Effect": "Allow",
                "Action": [ORGANIZATION_ACTIONS[("sts", "AssumeRole")]],
                # Any partition (aws, aws-us-gov, aws-cn): IAM allows a wildcard in
                # every ARN segment but the service.
                "Resource": f"arn:*:iam::*:role/{EXAMPLE_ROLE_NAME}",
            },
        ],
    }


def shipped_policy() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(POLICY_FILE.read_text(encoding="utf-8"))
    return document


def shipped_organization_policy() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(ORGANIZATION_POLICY_FILE.read_text(encoding="utf-8"))
    return document
