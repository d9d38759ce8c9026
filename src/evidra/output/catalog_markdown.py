"""The control catalog as Markdown tables, for the documentation site's controls
reference (`docs/hooks/catalog.py` inserts them when the site is built), so a new
control never needs a hand-edited table."""

from __future__ import annotations

from collections.abc import Iterable

from evidra.controls.catalog import Control
from evidra.controls.requirements import requirements


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def controls_table(controls: Iterable[Control]) -> str:
    lines = [
        "| control | what it checks | severity | requirements | SOC 2 | resource types |",
        "|---|---|---|---|---|---|",
    ]
    for control in controls:
        lines.append(
            f"| `{control.id}` | {_cell(control.title)} | {control.severity} "
            f"| {', '.join(control.requirements)} | {', '.join(control.tsc)} "
            f"| {', '.join(control.resource_types)} |"
        )
    return "\n".join(lines)


def parameters_table(controls: Iterable[Control]) -> str:
    """The policy parameters the controls use, with the policy's value and source."""
    used: dict[str, list[str]] = {}
    for control in controls:
        for name in control.parameters():
            used.setdefault(name, []).append(control.id)
    known = requirements()
    lines = ["| parameter | default | policy | used by |", "|---|---|---|---|"]
    for name in sorted(used):
        req_id, _, param = name.rpartition(".")
        req = known[req_id]
        spec = req.parameters[param]
        value = "not set by the policy" if spec.value is None else f"{spec.value}"
        if spec.unit and spec.value is not None:
            value += f" {spec.unit}"
        if spec.template_default:
            value += " (example: confirm)"
        controls_using = ", ".join(f"`{c}`" for c in used[name])
        lines.append(
            f"| `{name}` | {_cell(value)} | {_cell(f'{req.source_doc} {req.source_section}')} "
            f"| {controls_using} |"
        )
    return "\n".join(lines)
