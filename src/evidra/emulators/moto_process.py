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
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.request
from types import TracebackType


class MotoProcess:
    """A moto server child process on a free loopback port."""

    def __init__(self, managed_policies: tuple[str, ...] | None = ("AdministratorAccess", "ReadOnlyAccess")):
        """`managed_policies`: the AWS managed policies the server offers (moto builds all
        ~1,300 for six partitions otherwise, seconds per account); None keeps them all."""
        self._managed = managed_policies
        self._process: subprocess.Popen[str] | None = None
        self.endpoint = ""

    def __enter__(self) -> MotoProcess:
        command = [sys.executable, "-m", "evidra.emulators.moto_process"]
        if self._managed is not None:
            command += ["--managed-policies", ",".join(self._managed)]
        # IAM enforcement starts off (the variable unset means "never"): the caller seeds
        # its estate first, then switches it on with `enforce_iam`.
        env = {k: v for k, v in os.environ.items() if k != "INITIAL_NO_AUTH_ACTION_COUNT"}
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
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


def _keep_only(names: list[str]) -> None:
    import moto.iam.models as moto_iam

    catalogue = json.loads(moto_iam.aws_managed_policies_data)
    moto_iam.aws_managed_policies_data = json.dumps({n: catalogue[n] for n in names})


def main() -> None:
    parser = argparse.ArgumentParser(description="moto's server on a free loopback port")
    parser.add_argument("--managed-policies", help="comma-separated AWS managed policies to offer (default: all)")
    args = parser.parse_args()
    from evidra.demo.emulator import start_moto

    if args.managed_policies:
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        _keep_only(args.managed_policies.split(","))
    server, endpoint = start_moto()
    print(json.dumps({"endpoint": endpoint}), flush=True)
    try:
        sys.stdin.read()  # until the parent closes it (or dies)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
