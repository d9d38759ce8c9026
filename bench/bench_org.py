"""Benchmark: evidra against Prowler on one AWS organisation in moto's server, run by hand.

    /work/venv/bin/python bench/bench_org.py --prowler /work/prowler-venv/bin/prowler

Builds an organisation of three accounts (the management account and two members made
with Organizations CreateAccount) in moto's server, running in its own process
(`evidra.emulators.moto_process`), with about 10,000 resources over two regions: IAM
users (console passwords, access keys, some virtual MFA, some with a policy attached
directly), S3 buckets, EBS volumes, security groups (some open to the internet on 22,
3389 or every port), KMS keys and CloudWatch log groups.

Then:

1. evidra collects the whole organisation once (`accounts: organization`) and evaluates
   its controls: wall time, API calls by operation (botocore's `before-call` event,
   one per call or page; `before-send` counts HTTP requests with retries), calls per
   resource, and the minimum number of calls the APIs allow for the same evidence
   (`minimum_calls`); then once more under tracemalloc for the peak Python heap.
2. Prowler (its own virtualenv, `--prowler`) runs the checks that read the same
   evidence, account by account as its command line does (members through
   `--role`), against the same server through `AWS_ENDPOINT_URL`.
3. The verdicts of both tools on the same resources are compared.

The figures go in bench/README.md. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import resource
import subprocess
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from evidra.collectors.aws.collector import AwsCollector
from evidra.config.settings import AwsSettings
from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.emulators.moto_process import MotoProcess
from evidra.model import Collection, Result, utcnow

REGIONS = ("us-east-1", "eu-west-1")
MANAGEMENT = "123456789012"
SEED_ROLE = "OrganizationAccountAccessRole"  # what CreateAccount makes in a member account
AUDIT_ROLE = "EvidraAudit"  # moto lets any principal assume any role while IAM is not enforced
OPEN_PORTS = {"ssh": (22, 22), "rdp": (3389, 3389)}

# evidra's control -> the Prowler checks that judge the same thing on the same resources.
SAME_EVIDENCE = {
    "identity-user-mfa": ["iam_user_mfa_enabled_console_access"],
    "root-mfa": ["iam_root_mfa_enabled"],
    "password-min-length": ["iam_password_policy_minimum_length_14"],
    "access-key-rotation": ["iam_rotate_access_key_90_days"],
    "unused-credentials": ["iam_user_accesskey_unused"],
    "inactive-users": ["iam_user_console_access_unused"],
    "user-permissions-via-groups": ["iam_policy_attached_only_to_group_or_roles"],
    "bucket-encryption": ["s3_bucket_default_encryption"],
    "bucket-public-access-block": ["s3_bucket_level_public_access_block"],
    "bucket-tls-only": ["s3_bucket_secure_transport_policy"],
    "bucket-versioning": ["s3_bucket_object_versioning"],
    "bucket-access-logging": ["s3_bucket_server_access_logging_enabled"],
    "volume-encryption": ["ec2_ebs_volume_encryption"],
    "volume-encryption-default": ["ec2_ebs_default_encryption"],
    "key-rotation": ["kms_cmk_rotation_enabled"],
    "firewall-admin-ports-closed": [
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389",
        "ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
    ],
    "log-retention": ["cloudwatch_log_group_retention_policy_specific_days_enabled"],
}


# --- the organisation ---------------------------------------------------------------


def clients_for(endpoint: str, account: str) -> Callable[..., Any]:
    """A client factory for one account: the management account's placeholder
    credentials, or a member's through its CreateAccount role."""
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    if account != MANAGEMENT:
        answer = boto3.client(
            "sts", endpoint_url=endpoint, region_name="us-east-1", **credentials
        ).assume_role(RoleArn=f"arn:aws:iam::{account}:role/{SEED_ROLE}", RoleSessionName="seed")[
            "Credentials"
        ]
        credentials = {
            "aws_access_key_id": answer["AccessKeyId"],
            "aws_secret_access_key": answer["SecretAccessKey"],
            "aws_session_token": answer["SessionToken"],
        }

    def client(service: str, region: str = "us-east-1") -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name=region, **credentials)

    return client


def seed_account(client: Callable[..., Any], args: argparse.Namespace, pool: ThreadPoolExecutor) -> None:
    iam = client("iam")
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True)

    def user(i: int) -> None:
        name = f"user{i:05d}"
        iam.create_user(UserName=name)
        if i % 3:  # two in three sign in to the console
            iam.create_login_profile(UserName=name, Password="Correct-Horse-9!")
            if i % 10 == 1:
                serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"][
                    "SerialNumber"
                ]
                iam.enable_mfa_device(
                    UserName=name,
                    SerialNumber=serial,
                    AuthenticationCode1="123456",
                    AuthenticationCode2="654321",
                )
        if i % 2 == 0:  # one in two has an access key
            iam.create_access_key(UserName=name)
        if i % 50 == 7:  # a few hold a policy directly, not through a group
            iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")

    def bucket(i: int) -> None:
        region = REGIONS[i % len(REGIONS)]
        name = f"bench-{client('sts').get_caller_identity()['Account']}-{i:05d}"
        s3 = client("s3", region)
        location = (
            {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        s3.create_bucket(Bucket=name, **location)
        if i % 2:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
        if i % 3 == 0:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})

    def regional(region: str) -> None:
        ec2, kms, logs = client("ec2", region), client("kms", region), client("logs", region)
        per_region = len(REGIONS)
        for i in range(args.volumes // per_region):
            ec2.create_volume(AvailabilityZone=f"{region}a", Size=8, Encrypted=bool(i % 2))
        for i in range(args.groups // per_region):
            group = ec2.create_security_group(GroupName=f"bench-{i:05d}", Description="bench")["GroupId"]
            if i % 5 == 0:
                low, high = OPEN_PORTS["ssh" if i % 10 else "rdp"]
                permission = {"IpProtocol": "tcp", "FromPort": low, "ToPort": high}
            elif i % 7 == 0:
                permission = {"IpProtocol": "-1"}
            else:
                permission = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
            ec2.authorize_security_group_ingress(
                GroupId=group, IpPermissions=[{**permission, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
            )
        for i in range(args.keys // per_region):
            key = kms.create_key(Description=f"bench {i}")["KeyMetadata"]["KeyId"]
            if i % 2:
                kms.enable_key_rotation(KeyId=key)
        for i in range(args.log_groups // per_region):
            name = f"/bench/{i:05d}"
            logs.create_log_group(logGroupName=name)
            if i % 4:
                logs.put_retention_policy(logGroupName=name, retentionInDays=400 if i % 2 else 30)

    list(pool.map(user, range(args.users)))
    list(pool.map(bucket, range(args.buckets)))
    list(pool.map(regional, REGIONS))


def build_organization(endpoint: str, args: argparse.Namespace) -> list[str]:
    org = clients_for(endpoint, MANAGEMENT)("organizations")
    org.create_organization(FeatureSet="ALL")
    accounts = [MANAGEMENT] + [
        org.create_account(AccountName=f"member{i}", Email=f"member{i}@example.com")["CreateAccountStatus"][
            "AccountId"
        ]
        for i in range(1, args.accounts)
    ]
    with ThreadPoolExecutor(8) as pool:
        for account in accounts:
            seed_account(clients_for(endpoint, account), args, pool)
    return accounts


# --- evidra -------------------------------------------------------------------------


def run_evidra(workers: int, memory: bool) -> tuple[Collection, list[Result], dict[str, Any]]:
    calls: Counter[str] = Counter()
    requests: Counter[str] = Counter()
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    session.events.register(
        "before-call", lambda model, **_: calls.update([f"{model.service_model.service_name}.{model.name}"])
    )
    session.events.register("before-send", lambda **_: requests.update(["http"]))
    settings = AwsSettings(
        regions=list(REGIONS), accounts="organization", role_name=AUDIT_ROLE, max_workers=workers
    )
    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    collection = AwsCollector(settings, boto_session=session).collect()
    collected = time.perf_counter()
    results = evaluate(select(None), collection, default_parameters(), utcnow())
    finished = time.perf_counter()
    figures: dict[str, Any] = {
        "collect_s": collected - started,
        "evaluate_s": finished - collected,
        "calls": calls,
        "http_requests": requests["http"],
    }
    if memory:
        figures["heap_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return collection, results, figures


def minimum_calls(collection: Collection, accounts: int) -> Counter[str]:
    """The fewest calls the APIs allow for the evidence evidra reads from this estate.

    Listing calls: one per account (global services) or per account and region, and
    one more per page beyond the API's largest page (GetAccountAuthorizationDetails
    1,000, ListKeys 1,000, DescribeLogGroups 50; EC2's Describe* answer everything in
    one page when no MaxResults is given). Per-resource calls: one per resource that
    needs it, because no bulk read exists (S3 bucket settings, KMS key metadata and
    rotation, a user's MFA device kinds). IAM users come from the credential report:
    no call per user except ListMFADevices for users who have MFA; the report takes
    two GenerateCredentialReport calls (started, then complete)."""
    regions = len(REGIONS)
    scopes = accounts * regions
    by_type: dict[str, list[Any]] = defaultdict(list)
    for o in collection.observations:
        by_type[o.type].append(o)

    def pages(items: Iterable[Any], page: int, key: Callable[[Any], str], units: int) -> int:
        counts = Counter(key(i) for i in items)
        return sum(max(1, math.ceil(n / page)) for n in counts.values()) + (units - len(counts))

    users = [o for o in by_type["identity.user"] if o.attributes.get("kind") == "human"]
    buckets = by_type["storage.bucket"]
    keys = [o for o in collection.observations if o.type == "crypto.key"]
    minimum: Counter[str] = Counter(
        {
            "sts.GetCallerIdentity": 1,
            "organizations.ListAccounts": 1,
            "sts.AssumeRole": accounts - 1,
            "ec2.DescribeRegions": accounts,
            # IAM, per account
            # The first call starts a report (STARTED), a second finds it COMPLETE.
            "iam.GenerateCredentialReport": 2 * accounts,
            "iam.GetCredentialReport": accounts,
            "iam.GetAccountAuthorizationDetails": pages(users, 1000, lambda o: o.scope, accounts),
            "iam.GetAccountPasswordPolicy": accounts,
            "iam.GetAccountSummary": accounts,
            "iam.ListMFADevices": sum(1 for o in users if o.attributes.get("mfa_enabled")),
            # S3: the account's block and list once, then each bucket's settings
            "s3control.GetPublicAccessBlock": accounts,
            "s3.ListBuckets": accounts,
            "cloudfront.ListDistributions": accounts,
            # CloudTrail: one DescribeTrails (with shadow trails) per region answers both
            # the trails homed there and the account's coverage.
            "cloudtrail.DescribeTrails": scopes,
            # Regional listings
            "kms.ListKeys": pages(keys, 1000, lambda o: o.scope, scopes),
            "logs.DescribeLogGroups": pages(by_type["logging.log_group"], 50, lambda o: o.scope, scopes),
            "kms.DescribeKey": len(keys),
            "kms.GetKeyRotationStatus": len(keys),
        }
    )
    for operation in (
        "GetBucketLocation",
        "GetBucketEncryption",
        "GetPublicAccessBlock",
        "GetBucketPolicy",
        "GetBucketAcl",
        "GetBucketTagging",
        "GetBucketVersioning",
        "GetBucketLogging",
    ):
        minimum[f"s3.{operation}"] = len(buckets)
    minimum["s3.GetBucketPolicyStatus"] = sum(1 for b in buckets if b.raw.get("GetBucketPolicy"))
    for once_per_region in (
        "ec2.GetEbsEncryptionByDefault",
        "ec2.DescribeVolumes",
        "ec2.DescribeVpcs",
        "ec2.DescribeFlowLogs",
        "ec2.DescribeSecurityGroups",
        "rds.DescribeDBInstances",
        "guardduty.ListDetectors",
        "config.DescribeConfigurationRecorders",
        "config.DescribeConfigurationRecorderStatus",
        "securityhub.DescribeHub",
        "elbv2.DescribeLoadBalancers",
        "acm.ListCertificates",
        "dynamodb.ListTables",
        "efs.DescribeFileSystems",
        "backup.ListBackupPlans",
    ):
        minimum[once_per_region] = scopes
    return +minimum


# --- Prowler ------------------------------------------------------------------------


def run_prowler(
    prowler: str, endpoint: str, accounts: list[str], out: str, extra: list[str]
) -> tuple[float, list[dict[str, Any]]]:
    checks = sorted({c for group in SAME_EVIDENCE.values() for c in group})
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # the emulator's placeholder
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    findings: list[dict[str, Any]] = []
    started = time.perf_counter()
    for account in accounts:  # one account per run, as Prowler's command line reads them
        target = os.path.join(out, account)
        command = [prowler, "aws", "-c", *checks, "-f", *REGIONS, "-M", "json-ocsf", "-o", target, "-b", "-z"]
        command += ["--scan-unused-services", *extra]  # also the security groups no instance uses
        if account != MANAGEMENT:
            command += ["-R", f"arn:aws:iam::{account}:role/{AUDIT_ROLE}"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode not in (0, 3):  # 3: some check failed
            raise RuntimeError(f"prowler exited {done.returncode}: {done.stderr[-2000:]}")
        for path in glob.glob(os.path.join(target, "*.ocsf.json")):
            with open(path, encoding="utf-8") as handle:
                findings.extend(json.load(handle))
    return time.perf_counter() - started, findings


# --- verdicts on the same resources -------------------------------------------------


def resource_key(control: str, resource_id: str, account: str, region: str | None) -> tuple[str, ...]:
    """One name for a resource in both tools' ids."""
    resource_id = resource_id.removesuffix(":*")  # Prowler's log group ARN
    if control in ("root-mfa", "password-min-length"):
        return (account,)
    if control == "volume-encryption-default":
        return (account, region or "")
    if "access-key" in control or control == "unused-credentials":
        # evidra judges each key (…:user/NAME/access-key/N), Prowler each user
        return (resource_id.split("/access-key")[0],)
    return (resource_id,)


def compare(results: list[Result], findings: list[dict[str, Any]]) -> dict[str, Any]:
    ours: dict[tuple[str, ...], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in results:
        if r.control in SAME_EVIDENCE and r.status.value != "error":
            account = r.resource.scope.split(":")[1]
            region = r.resource.scope.split(":")[2] if r.resource.scope.count(":") >= 2 else None
            ours[(r.control, *resource_key(r.control, r.resource.id, account, region))]["evidra"].add(
                r.status.value
            )
    check_to_control = {c: control for control, checks in SAME_EVIDENCE.items() for c in checks}
    for f in findings:
        control = check_to_control.get(f["metadata"]["event_code"])
        if control is None or f["status_code"] not in ("PASS", "FAIL"):
            continue
        found = f["resources"][0]
        account = f["cloud"]["account"]["uid"]
        key = (control, *resource_key(control, found["uid"], account, found.get("region")))
        ours[key]["prowler"].add(f["status_code"].lower())

    tally: Counter[str] = Counter()
    differences: dict[str, list[str]] = defaultdict(list)
    for key, verdicts in sorted(ours.items()):
        control = key[0]
        # A resource fails when any of its parts (keys, checks) fails.
        mine = next((s for s in ("fail", "pass", "not_applicable") if s in verdicts["evidra"]), None)
        theirs = "fail" if "fail" in verdicts["prowler"] else ("pass" if verdicts["prowler"] else None)
        if mine is None or theirs is None:
            tally[f"only {'evidra' if theirs is None else 'prowler'}"] += 1
            differences[f"{control}: only {'evidra' if theirs is None else 'prowler'} judges"].append(
                "/".join(key[1:])
            )
        elif mine == theirs:
            tally["same"] += 1
        else:
            tally["different"] += 1
            differences[f"{control}: evidra {mine}, prowler {theirs}"].append("/".join(key[1:]))
    return {"tally": tally, "differences": differences}


# --- main ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--users", type=int, default=800, help="per account")
    parser.add_argument("--buckets", type=int, default=120, help="per account")
    parser.add_argument("--volumes", type=int, default=700, help="per account, over the regions")
    parser.add_argument(
        "--groups", type=int, default=600, help="security groups per account, over the regions"
    )
    parser.add_argument("--keys", type=int, default=100, help="KMS keys per account, over the regions")
    parser.add_argument("--log-groups", type=int, default=600, help="per account, over the regions")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--prowler", help="the prowler executable (its own virtualenv); omit to skip")
    parser.add_argument("--prowler-args", default="", help="more arguments for prowler, space-separated")
    args = parser.parse_args()

    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    with MotoProcess(quiet=True) as moto:
        started = time.perf_counter()
        accounts = build_organization(moto.endpoint, args)
        print(f"seeded {len(accounts)} accounts in {time.perf_counter() - started:.0f} s")
        os.environ["AWS_ENDPOINT_URL"] = moto.endpoint

        collection, results, figures = run_evidra(args.workers, memory=False)
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        _, _, with_memory = run_evidra(args.workers, memory=True)
        resources = len(collection.observations)
        calls: Counter[str] = figures["calls"]
        total = sum(calls.values())
        minimum = minimum_calls(collection, len(accounts))
        print(f"\nevidra: {resources:,} resources, {len(results):,} results, {len(collection.errors)} errors")
        for error in collection.errors[:5]:
            print("  error:", error.message[:200])
        print(
            f"  wall time      collect {figures['collect_s']:.1f} s + evaluate {figures['evaluate_s']:.2f} s"
        )
        print(
            f"  API calls      {total:,} ({total / resources:.3f} per resource); "
            f"HTTP requests {figures['http_requests']:,}"
        )
        print(f"  minimum calls  {sum(minimum.values()):,}: ratio {total / sum(minimum.values()):.3f}")
        print(
            f"  peak memory    heap {with_memory['heap_peak_mib']:.0f} MiB (tracemalloc), "
            f"RSS {rss_mib:.0f} MiB"
        )
        print("  calls by operation (made / minimum):")
        for operation in sorted(set(calls) | set(minimum), key=lambda o: -calls[o]):
            flag = "" if calls[operation] <= minimum[operation] else "  <- above the minimum"
            print(f"    {operation:45} {calls[operation]:6,} / {minimum[operation]:6,}{flag}")
        by_type = Counter(o.type for o in collection.observations)
        print("  resources by type:", dict(by_type.most_common()))

        if not args.prowler:
            return
        with tempfile.TemporaryDirectory() as out:
            prowler_s, findings = run_prowler(
                args.prowler, moto.endpoint, accounts, out, args.prowler_args.split()
            )
        prowler_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        evidra_s = figures["collect_s"] + figures["evaluate_s"]
        print(
            f"\nprowler: {len(findings):,} findings in {prowler_s:.1f} s "
            f"(peak RSS of one run {prowler_rss:.0f} MiB)"
        )
        print(f"  speed ratio    prowler / evidra = {prowler_s / evidra_s:.1f}x")
        comparison = compare(results, findings)
        print("  verdicts on the same resources:", dict(comparison["tally"]))
        for what, where in sorted(comparison["differences"].items()):
            print(f"    {what}: {len(where)}, e.g. {where[:3]}")


if __name__ == "__main__":
    main()
