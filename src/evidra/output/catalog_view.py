"""`evidra controls list`: the catalog for people and for scripts."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from evidra.controls.catalog import Control
from evidra.controls.requirements import default_parameters, requirements
from evidra.output.literal import literal


def _control_dict(control: Control) -> dict[str, Any]:
    return {
        "id": control.id,
        "title": control.title,
        "severity": control.severity,
        "remediation": control.remediation,
        "description": control.description,
        "requirements": list(control.requirements),
        "tsc": list(control.tsc),
        "resource_types": list(control.resource_types),
        "parameters": control.parameters(),
        "frequency": control.frequency,
    }


def render_controls(
    controls: list[Control],
    fmt: str,
    console: Console,
    parameters: dict[str, Any] | None,
    show_parameters: bool,
) -> None:
    in_force = parameters if parameters is not None else default_parameters()
    if fmt == "json":
        document: dict[str, Any] = {"controls": [_control_dict(c) for c in controls]}
        if show_parameters:
            document["parameters"] = in_force
        console.file.write(json.dumps(document, indent=2) + "\n")
        return
    table = Table(title=f"{len(controls)} controls", title_justify="left")
    table.add_column("control", no_wrap=True, style="bold")
    table.add_column("what it checks")
    table.add_column("severity")
    table.add_column("requirements")
    table.add_column("SOC 2")
    table.add_column("resource types")
    for control in controls:
        table.add_row(
            control.id,
            control.title,
            control.severity,
            "\n".join(control.requirements),
            ", ".join(control.tsc),
            "\n".join(control.resource_types),
        )
    console.print(table)
    if show_parameters:
        known = requirements()
        params = Table(title="policy parameters in force", title_justify="left")
        params.add_column("parameter", no_wrap=True)
        params.add_column("value")
        params.add_column("policy")
        for name, value in sorted(in_force.items()):
            req_id, _, param = name.rpartition(".")
            req = known[req_id]
            spec = req.parameters[param]
            note = " (template example: confirm)" if spec.template_default else ""
            unit = f" {spec.unit}" if spec.unit and value is not None else ""
            shown = "not set by the policy" if value is None else f"{value}{unit}"
            params.add_row(
                literal(name), literal(shown + note), literal(f"{req.source_doc} {req.source_section}")
            )
        console.print(params)
