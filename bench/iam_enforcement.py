"""Which of the shipped policy's actions moto's IAM enforcement really checks, run by hand.

    /work/venv/bin/python bench/iam_enforcement.py

Seeds the demo estate in moto's server (its own process, `evidra.emulators.moto_process`),
then for every action of `iam-policy.json` collects once as a user holding the policy
without that action. An action is *enforced* when that run reports an error naming it;
*not exercised* when the estate never makes the collector call it; otherwise moto
let the call through (or the collector tolerates the denial by design), and the
least-privilege test proves nothing about it. The lists go in bench/README.md.
"""

from __future__ import annotations

import json
import os
import time

import boto3

from evidra.collectors.aws import permissions
from evidra.collectors.aws.collector import AwsCollector
from evidra.config.settings import AwsSettings
from evidra.demo.estate import seed_estate
from evidra.emulators.moto_process import MotoProcess

REGIONS = ("us-east-1", "eu-west-1")


def main() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    actions = permissions.required_actions()
    with MotoProcess() as moto:
        seed_estate(moto.endpoint, regions=REGIONS)
        iam = boto3.client("iam", endpoint_url=moto.endpoint)
        keys: dict[str, dict[str, str]] = {}
        for index, action in enumerate(["(none)", *actions]):
            document = permissions.policy_document()
            document["Statement"][0]["Action"] = [a for a in actions if a != action]
            user = f"reader-{index}"
            iam.create_user(UserName=user)
            iam.put_user_policy(UserName=user, PolicyName="evidra", PolicyDocument=json.dumps(document))
            keys[action] = iam.create_access_key(UserName=user)["AccessKey"]
        moto.enforce_iam()
        os.environ["AWS_ENDPOINT_URL"] = moto.endpoint
        enforced, unchecked, called = [], [], set()
        for action, key in keys.items():
            session = boto3.Session(
                aws_access_key_id=key["AccessKeyId"],
                aws_secret_access_key=key["SecretAccessKey"],
                region_name="us-east-1",
            )
            if action == "(none)":
                session.events.register(
                    "before-call",
                    lambda model, **_: called.add((model.service_model.service_name, model.name)),
                )
            elif not any(permissions.ACTIONS[op] == action for op in called):
                print(f"{action:50} not exercised by the estate")
                continue
            started = time.perf_counter()
            settings = AwsSettings(regions=list(REGIONS), max_attempts=1)
            errors = AwsCollector(settings, boto_session=session).collect().errors
            naming = [e.message for e in errors if action in e.message]
            print(f"{action:50} {len(errors)} error(s) {time.perf_counter() - started:.1f} s")
            if action == "(none)":
                assert not errors, [e.message for e in errors]
            elif naming:
                enforced.append(action)
                print("   ", naming[0][:200])
            else:
                unchecked.append(action)
    print(f"\nenforced by moto ({len(enforced)}):", ", ".join(enforced))
    print(f"\nnot checked by moto ({len(unchecked)}):", ", ".join(unchecked))
    exercised = {permissions.ACTIONS[op] for op in called}
    print("\nnot exercised by the estate:", ", ".join(a for a in actions if a not in exercised))


if __name__ == "__main__":
    main()
