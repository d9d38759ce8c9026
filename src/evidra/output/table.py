"""The table for people: one screen on a large estate, every detail with --all or in JSON.

Four parts, most urgent first:
- a provider that could not be signed in to at all: its message once (the collector's
  message names the credential chain it tried and the fix), not an error per control;
- the controls with failures or errors, grouped by control with their counts, each
  showing its first failing resources (all of them, and the passes, with `--all`);
- the controls that passed, summarised on one line (listed with `--all`);
- one line per scope that could not be read, with how many controls it left unjudged.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from rich.console import Console
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
SHOWN_PER_CONTROL = 5  # failing resources listed under a control without --all


def _unreadable_scope(result: Result, scopes: set[tuple[str, str]]) -> bool:
    """An error result standing for a scope that could not be read (not a resource)."""
    key = (result.resource.provider, result.resource.scope)
    return result.status is Status.ERROR and key in scopes and result.resource.id == result.resource.scope


def _counts(results: list[Result]) -> str:
    counts = Counter(r.status for r in results)
    return ", ".join(f"{counts[s]} {s.value}" for s in Status if counts[s])


def _control_rows(table: Table, control: Control, results: list[Result], show_all: bool) -> None:
    counts = Counter(r.status for r in results)
    worst = next((s for s in (Status.FAIL, Status.ERROR, Status.EXCEPTED) if counts[s]), Status.PASS)
    table.add_row(
        Text(worst.value, style=STYLE[worst]),
        Text.assemble(
            (control.id, "bold"),
            (f"  {control.severity}", "bold red" if control.severity in ("high", "critical") else "dim"),
            f"  {control.title}  ",
            (f"[{control.requirement}]", "dim"),
        ),
        Text(_counts(results)),
    )
    if counts[Status.FAIL] and control.remediation:
        table.add_row("", Text(f"  to fix: {control.remediation}", style="dim"), "")
    listed = results if show_all else [r for r in results if r.status in (Status.FAIL, Status.ERROR)]
    for result in listed[: None if show_all else SHOWN_PER_CONTROL]:
        table.add_row(
            Text(f"  {result.status.value}", style=STYLE[result.status]),
            literal(f"  {result.resource.id}"),
            literal(result.reason),
        )
    hidden = len(listed) - SHOWN_PER_CONTROL
    if not show_all and hidden > 0:
        table.add_row("", Text(f"  … and {hidden} more (--all, or --format json)", style="dim"), "")


def _signin_problems(outcome: RunOutcome) -> dict[str, str]:
    """Providers that could not be read at all, for one reason (a missing, expired or
    refused credential): provider -> that reason, shown once."""
    observed = {o.provider for o in outcome.collection.observations}
    messages: dict[str, set[str]] = defaultdict(set)
    for error in outcome.errors:
        messages[error.provider].add(error.message)
    return {p: next(iter(m)) for p, m in messages.items() if len(m) == 1 and p not in observed}


def render(outcome: RunOutcome, console: Console, show_all: bool = False) -> None:
    errors = list(outcome.errors)
    signin = _signin_problems(outcome)
    for provider, message in signin.items():
        console.print(
            Panel(literal(message), title=f"{provider}: nothing could be read", border_style="yellow")
        )
    scopes = {(e.provider, e.scope) for e in errors}
    grouped: dict[str, list[Result]] = defaultdict(list)
    unjudged: Counter[tuple[str, str]] = Counter()
    for result in sort_for_people(outcome.results):
        if _unreadable_scope(result, scopes):
            unjudged[(result.resource.provider, result.resource.scope)] += 1
            continue
        grouped[result.control].append(result)
    by_id = {c.id: c for c in outcome.controls}

    def rank(cid: str) -> int:
        statuses = {r.status for r in grouped[cid]}
        return 0 if Status.FAIL in statuses else 1 if Status.ERROR in statuses else 2

    failing = sorted((cid for cid in grouped if rank(cid) < 2), key=lambda cid: (rank(cid), cid))
    passing = sorted(cid for cid in grouped if rank(cid) == 2)
    if failing or (show_all and passing):
        table = Table(show_header=True, header_style="bold", expand=True, box=None, pad_edge=False)
        table.add_column("status", no_wrap=True, width=9)
        table.add_column("control / resource", ratio=3)
        table.add_column("results / reason", ratio=2)
        for cid in failing + (passing if show_all else []):
            _control_rows(table, by_id[cid], grouped[cid], show_all)
        console.print(table)
    if passing and not show_all:
        resources = sum(len(grouped[cid]) for cid in passing)
        console.print(
            Text(
                f"{len(passing)} control(s) passed on all their {resources} result(s) "
                f"({', '.join(passing)}); --all lists them",
                style="green",
            )
        )
    silent = [c.id for c in outcome.controls if c.id not in grouped and c.id not in _judged_nowhere(outcome)]
    if silent and show_all:
        console.print(Text(f"No resources in scope for: {', '.join(silent)}", style="dim"))
    elif silent:
        console.print(
            Text(f"{len(silent)} control(s) had no resources in scope (--all lists them)", style="dim")
        )
    for error in errors:
        if error.provider in signin:
            affected = unjudged[(error.provider, error.scope)]
            console.print(literal(f"could not read {error.scope}: see above ({affected} control(s) unjudged)",
                                  style="yellow"))  # fmt: skip
            continue
        affected = unjudged[(error.provider, error.scope)]
        suffix = f" ({affected} control result(s) unjudged)" if affected else ""
        console.print(literal(f"could not read {error.scope}: {error.message}{suffix}", style="yellow"))
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


def _judged_nowhere(outcome: RunOutcome) -> set[str]:
    """Controls whose only results stand for unreadable scopes: they are neither silent
    nor judged, and the unreadable-scope lines already account for them."""
    scopes = {(e.provider, e.scope) for e in outcome.errors}
    judged: dict[str, bool] = {}
    for result in outcome.results:
        judged[result.control] = judged.get(result.control, False) or not _unreadable_scope(result, scopes)
    return {cid for cid, seen in judged.items() if not seen}
