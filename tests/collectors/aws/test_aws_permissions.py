"""The shipped IAM policy grants exactly what the collector calls, and only reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from evidra.collectors.aws import permissions
from tests.collectors.aws.aws_support import TEST_REGIONS, run_collector
from tests.collectors.aws.identity_center_support import seed_identity_center

PACKAGE = Path(permissions.__file__).parent
# Verbs of IAM actions that change something.
WRITE_VERBS = (
    "Put", "Create", "Delete", "Update", "Attach", "Detach", "Modify", "Set", "Add", "Remove",
    "Enable", "Disable", "Start", "Stop", "Tag", "Untag", "Run", "Terminate", "Upload", "Restore",
    "Reboot", "Associate", "Disassociate", "Import", "Cancel", "Schedule", "Revoke", "Authorize",
    "Change", "Reset", "Replace", "Register", "Deregister", "Copy", "Send", "Invoke", "Publish",
    "Encrypt", "Decrypt", "ReEncrypt", "Sign", "Retire", "Rotate", "Pass", "Assume", "Upgrade",
)  # fmt: skip
READ_VERBS = ("Get", "List", "Describe")


def test_every_operation_made_is_granted_and_recorded(estate: dict[str, Any], moto_endpoint: str) -> None:
    # Identity Center users too: its listings are recorded on the users they found.
    seed_identity_center(moto_endpoint, estate["account"])
    # Every request botocore makes, seen from its own event hooks.
    made: list[tuple[str, str]] = []
    session = boto3.Session()
    session.events.register(
        "before-call.*.*", lambda model, **_: made.append((model.service_model.service_name, model.name))
    )

    collection = run_collector(TEST_REGIONS, boto_session=session)

    assert collection.errors == []
    granted = set(permissions.shipped_policy()["Statement"][0]["Action"])
    for operation in set(made):
        assert operation in permissions.ACTIONS, f"{operation} has no IAM action in permissions.ACTIONS"
        assert permissions.ACTIONS[operation] in granted
    # Provenance is complete: every call made (beyond finding out who we are and
    # which regions are enabled) is on an observation.
    recorded = {(c.service, c.operation) for o in collection.observations for c in o.calls}
    assert set(made) - {("sts", "GetCallerIdentity"), ("ec2", "DescribeRegions")} == recorded


def test_the_shipped_policy_is_the_table() -> None:
    assert permissions.shipped_policy() == permissions.policy_document()


def test_the_shipped_organization_policy_is_the_table() -> None:
    assert permissions.shipped_organization_policy() == permissions.organization_policy_document()
    listed = {a for s in permissions.shipped_organization_policy()["Statement"] for a in s["Action"]}
    assert listed == set(permissions.ORGANIZATION_ACTIONS.values())


def test_the_policy_only_reads() -> None:
    (statement,) = permissions.shipped_policy()["Statement"]
    assert statement["Effect"] == "Allow"
    for action in statement["Action"]:
        service, _, verb = action.partition(":")
        assert service and verb and "*" not in action, action
        assert not verb.startswith(WRITE_VERBS), action
        assert verb.startswith(READ_VERBS) or action == "iam:GenerateCredentialReport", action


def test_no_stale_entries_in_the_table() -> None:
    """Every operation in the table is one the collector's code names."""
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in PACKAGE.glob("*.py") if p.name != "permissions.py"
    )
    for _service, operation in [*permissions.ACTIONS, *permissions.ORGANIZATION_ACTIONS]:
        assert f'"{operation}"' in source, operation
