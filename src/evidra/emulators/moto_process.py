"""moto's server in a process of its own, for tests and benchmarks that must not share one.

moto keeps IAM enforcement (`INITIAL_NO_AUTH_ACTION_COUNT`, `/moto-api/reset-auth`)
and its request counter in module globals: switched on in the test run's own
server, it would hold every other test to IAM too. A separate process also keeps
the emulator's CPU and memory out of a benchmark's measurements.

    with MotoProcess() as moto:
        moto.endpoint                 # http://127.0.0.1:PORT
        moto.enforce_iam()            # from now on every request is checked against IAM

Run as `python -m evidra.emulators.moto_process [--managed-policies A,B]` it prints its
endpoint as one JSON line and serves until its standard input closes.

With IAM enforced, moto 5.2 differs from AWS in ways that would deny a correct
policy, so the server process corrects them (`_align_iam_with_aws`; emulator tuning,
nothing of evidra's is touched):

- it recomputes the signature of a GET without a body over its parsed parameters
  instead of the empty payload that was signed, so every GET of a
  REST-JSON or REST-XML service (GuardDuty, Backup, EFS, Security Hub, CloudFront)
  fails with SignatureDoesNotMatch whatever the policy;
- it keeps a role's inline policy made by CloudFormation as a dict, and then fails
  (KeyError) evaluating any request of that role;
- it checks a few reads under another action than AWS's Service Authorization
  Reference names: GetBucketEncryption and the bucket's GetPublicAccessBlock as
  `s3:ListBucket`, S3 Control's GetPublicAccessBlock as `s3:GetPublicAccessBlock`,
  CloudWatch's DescribeAlarms as `monitoring:DescribeAlarms` (the service's signing
  name, not its IAM prefix `cloudwatch`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import urllib.request
from types import TracebackType
from typing import Any


class MotoProcess:
    """A moto server child process on a free loopback port."""

    def __init__(
        self,
        managed_policies: tuple[str, ...] | None = ("AdministratorAccess", "ReadOnlyAccess"),
        quiet: bool = False,
    ):
        """`managed_policies`: the AWS managed policies the server offers (moto builds all
        ~1,300 for six partitions otherwise, seconds per account); None keeps them all.
        `quiet`: drop the server's own output (a traceback per operation moto lacks)."""
        self._managed = managed_policies
        self._quiet = quiet
        self._process: subprocess.Popen[str] | None = None
        self.endpoint = ""

    def __enter__(self) -> MotoProcess:
        command = [sys.executable, "-m", "evidra.emulators.moto_process"]
        if self._managed is not None:
            command += ["--managed-policies", ",".join(self._managed)]
        # IAM enforcement starts off (the variable unset means "never"): the caller seeds
        # its estate first, then switches it on with `enforce_iam`.
        env = {k: v for k, v in os.environ.items() if k != "INITIAL_NO_AUTH_ACTION_COUNT"}
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if self._quiet else None,
            text=True,
            env=env,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self.close()
            raise RuntimeError("moto's server process exited before announcing its endpoint")
        self.endpoint = json.loads(line)["endpoint"]
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def enforce_iam(self, after: int = 0) -> None:
        """Check every request against IAM once `after` more requests have been served."""
        self._post("/moto-api/reset-auth", str(after).encode())

    def reset(self) -> None:
        self._post("/moto-api/reset", b"")

    def _post(self, path: str, body: bytes) -> None:
        # Not form-encoded (urllib's default): moto reads the body as raw text.
        request = urllib.request.Request(  # noqa: S310
            f"{self.endpoint}{path}", data=body, method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own loopback endpoint
            response.read()

    def close(self) -> None:
        if self._process is None:
            return
        assert self._process.stdin is not None
        self._process.stdin.close()  # the child's signal to stop
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None


# (the action moto checks, the request path it checks it for, the action AWS requires)
_AWS_ACTION_NAMES = (
    ("s3:ListBucket", re.compile(r"[?&]encryption(=|&|$)"), "s3:GetEncryptionConfiguration"),
    ("s3:ListBucket", re.compile(r"[?&]publicAccessBlock(=|&|$)"), "s3:GetBucketPublicAccessBlock"),
    (
        "s3:GetPublicAccessBlock",
        re.compile(r"^/v20180820/configuration/publicAccessBlock"),
        "s3:GetAccountPublicAccessBlock",
    ),
    # CloudWatch signs as `monitoring`; its IAM actions are `cloudwatch:*`.
    ("monitoring:DescribeAlarms", re.compile(""), "cloudwatch:DescribeAlarms"),
)


def _align_iam_with_aws() -> None:
    """See the module's docstring."""
    from moto.iam.access_control import IAMPolicy, IAMRequestBase

    initialise = IAMRequestBase.__init__
    build_request = IAMRequestBase._create_aws_request
    read_policy = IAMPolicy.__init__

    def policy_init(self: Any, policy: Any) -> None:
        if isinstance(policy, dict) and "policy_document" not in policy:
            policy = json.dumps(policy)  # a document as CloudFormation stored it
        read_policy(self, policy)

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        initialise(self, *args, **kwargs)
        for moto_action, path, aws_action in _AWS_ACTION_NAMES:
            if self._action == moto_action and path.search(self._path):
                self._action = aws_action

    def create_aws_request(self: Any) -> Any:
        if self._body or self._method not in ("GET", "HEAD", "DELETE"):
            return build_request(self)  # (a form POST's body is in the parsed parameters)
        parsed, self._data = self._data, b""  # what was signed: an empty payload
        try:
            return build_request(self)
        finally:
            self._data = parsed

    IAMRequestBase.__init__ = init  # type: ignore[method-assign]
    IAMRequestBase._create_aws_request = create_aws_request  # type: ignore[method-assign]
    IAMPolicy.__init__ = policy_init  # type: ignore[method-assign]


def _keep_only(names: list[str]) -> None:
    import moto.iam.models as moto_iam

    catalogue = json.loads(moto_iam.aws_managed_policies_data)
    moto_iam.aws_managed_policies_data = json.dumps({n: catalogue[n] for n in names})


def main() -> None:
    parser = argparse.ArgumentParser(description="moto's server on a free loopback port")
    parser.add_argument(
        "--managed-policies", help="comma-separated AWS managed policies to offer (default: all)"
    )
    args = parser.parse_args()
    from evidra.demo.emulator import start_moto

    if args.managed_policies:
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        _keep_only(args.managed_policies.split(","))
    _align_iam_with_aws()
    server, endpoint = start_moto()
    print(json.dumps({"endpoint": endpoint}), flush=True)
    try:
        sys.stdin.read()  # until the parent closes it (or dies)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
