"""The table for people: grouped by control, failures first, a reason on each line."""

from __future__ import annotations

from collections import Counter, defaultdict

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from evidra.controls.catalog import Control
from evidra.controls.engine import sort_for_people
from evidra.model import Result, Status
from evidra.output.literal import literal, shown
from evidra.runner import RunOutcome

STYLE = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.ERROR: "yellow",
    Status.EXCEPTED: "magenta",
    Status.NOT_APPLICABLE: "dim",
}


def _control_table(control: Control, results: list[Result]) -> Panel:
    counts = Counter(r.status for r in results)
    table = Table(show_header=True, header_style="bold", expand=True, box=None, pad_edge=False)
    if counts[Status.FAIL] and control.remediation:
        table.caption = f"to fix: {control.remediation}"
        table.caption_justify = "left"
    table.add_column("status", no_wrap=True, width=8)
    table.add_column("resource", overflow="fold", ratio=3)
    table.add_column("reason", overflow="fold", ratio=2)
    for result in results:
        table.add_row(
            Text(result.status.value, style=STYLE[result.status]),
            literal(result.resource.id),
            literal(result.reason),
        )
    summary = ", ".join(f"{counts[s]} {s.value}" for s in Status if counts[s])
    title = Text.assemble(
        (control.id, "bold"),
        (f"  {control.severity}", "bold red" if control.severity in ("high", "critical") else "dim"),
        f"  {control.title}  ",
        (f"[{control.requirement}; {', '.join(control.tsc)}]", "dim"),
    )
    worst = next((s for s in (Status.FAIL, Status.ERROR, Status.EXCEPTED) if counts[s]), Status.PASS)
    return Panel(table, title=title, title_align="left", subtitle=summary, border_style=STYLE[worst])


def render(outcome: RunOutcome, console: Console) -> None:
    grouped: dict[str, list[Result]] = defaultdict(list)
    for result in sort_for_people(outcome.results):
        grouped[result.control].append(result)
    by_id = {c.id: c for c in outcome.controls}
    # Controls with failures first, then errors, then the rest; by id within each.
    order = sorted(
        grouped,
        key=lambda cid: (
            0
            if any(r.status is Status.FAIL for r in grouped[cid])
            else 1
            if any(r.status is Status.ERROR for r in grouped[cid])
            else 2,
            cid,
        ),
    )
    panels = [_control_table(by_id[cid], grouped[cid]) for cid in order]
    if panels:
        console.print(Group(*panels))
    silent = [c.id for c in outcome.controls if c.id not in grouped]
    if silent:
        console.print(Text(f"No resources in scope for: {', '.join(silent)}", style="dim"))
    for error in outcome.errors:
        console.print(literal(f"could not read {error.scope}: {error.message}", style="yellow"))
    totals = Counter(r.status for r in outcome.results)
    line = ", ".join(f"{totals[s]} {s.value}" for s in Status if totals[s]) or "no results"
    console.print(
        Text.assemble(
            ("Run ", "bold"),
            shown(outcome.id),
            f": {len(outcome.collection.observations)} resources, {len(outcome.controls)} controls, {line}",
        )
    )
    if outcome.stored_in:
        console.print(Text.assemble(("Evidence stored in ", "bold"), shown(outcome.stored_in)))
