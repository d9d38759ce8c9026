"""Log Analytics: workspaces' retention (logging.log_group)."""

from __future__ import annotations

from typing import Any

from evidra.collectors.azure.context import ARM, READERS, Arm
from evidra.model import Observation


@READERS.reader("azure.log_analytics", types=("logging.log_group",), plane=ARM)
def read_workspaces(arm: Arm) -> list[Observation]:
    workspaces, call = arm.items("loganalytics", "workspaces.list", lambda c: c.workspaces.list())
    observations = []
    for workspace in workspaces:
        props = workspace.get("properties") or {}
        observations.append(
            arm.observe(
                "logging.log_group",
                workspace["id"],
                name=workspace["name"],
                attributes={
                    "retention_days": props.get("retentionInDays"),
                    "region": workspace.get("location"),
                },
                raw={"workspace": _stable(workspace)},
                calls=[call],
            )
        )
    return observations


def _stable(workspace: dict[str, Any]) -> dict[str, Any]:
    # The daily ingestion quota's next reset moves every day; the settings are the evidence.
    props = dict(workspace.get("properties") or {})
    quota = {k: v for k, v in (props.get("workspaceCapping") or {}).items() if k != "quotaNextResetTime"}
    if quota:
        props["workspaceCapping"] = quota
    return {**workspace, "properties": props}
