"""`evidra show`: a resource as of a time, or what changed between two times.

Times on the command line: `now`, a date (`2026-03-01`, meaning the end of that day in
UTC for "as of", the start of it for `prune --before`), or an ISO 8601 time
(`2026-03-01T12:00:00Z`, an offset, or no offset for UTC).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rich.console import Console

from evidra.evidence_store.pointintime import ResourceDiff, ResourceState
from evidra.model import iso
from evidra.output.literal import markup_safe as escape


class TimeError(ValueError):
    pass


def parse_time(text: str, *, end_of_day: bool) -> datetime:
    if text.strip().lower() == "now":
        return datetime.now(UTC)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = datetime.combine(day, time(0), tzinfo=UTC)
        return start + timedelta(days=1, microseconds=-1) if end_of_day else start
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise TimeError(f"not a time: {text!r} (use 2026-03-01, 2026-03-01T12:00:00Z or now)") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(type(value).__name__)


def state_json(state: ResourceState, at: datetime, raw: bool) -> str:
    document = {"schema": "evidra.show/v1", "at": iso(at), **state.to_dict(raw)}
    return json.dumps(document, indent=2, default=_jsonable)


def diff_json(diff: ResourceDiff, before: datetime, after: datetime, raw: bool) -> str:
    document = {
        "schema": "evidra.diff/v1",
        "from": iso(before),
        "to": iso(after),
        "before": diff.before.to_dict(raw),
        "after": diff.after.to_dict(raw),
        "changes": diff.changes,
    }
    return json.dumps(document, indent=2, default=_jsonable)


def _as_of(state: ResourceState) -> str:
    if state.run_id is None:
        return "no sealed run had read it by then"
    text = f"run {escape(state.run_id)} (seq {state.run_seq}, finished {iso(state.run_finished_at)})"
    if state.gap:
        text += (
            "\n[yellow]gap:[/] later runs up to that time could not read its scope; "
            "this is the last good read"
        )
    return text


def render_state(state: ResourceState, at: datetime, raw: bool, out: Console) -> None:
    out.print(f"[bold]{escape(state.id)}[/]  {escape(state.type)}  {escape(state.scope)}")
    out.print(f"as of {iso(at)}: {_as_of(state)}")
    if not state.present:
        out.print(
            "[yellow]not present[/]: the run that read its scope did not see it (deleted or not yet created)"
        )
        return
    if state.name:
        out.print(f"name: {escape(state.name)}")
    out.print(f"snapshot: {state.snapshot}")
    out.print("[bold]attributes[/]")
    from evidra.evidence_store.pointintime import flatten

    for path, value in flatten(state.attributes).items():
        out.print(f"  {escape(path)} = {escape(json.dumps(value))}")
    out.print("[bold]verdicts[/]")
    for verdict in state.results or [{"control": "-", "status": "none", "reason": "no control judged it"}]:
        out.print(f"  {escape(verdict['control'])}  {escape(verdict['status'])}  {escape(verdict['reason'])}")
    if raw:
        out.print("[bold]raw[/]")
        out.print(escape(json.dumps(state.raw, indent=2, sort_keys=True), lines=True))


def render_diff(diff: ResourceDiff, before: datetime, after: datetime, out: Console) -> None:
    old, new, changes = diff.before, diff.after, diff.changes
    out.print(f"[bold]{escape(new.id)}[/]  {escape(new.type)}  {escape(new.scope)}")
    out.print(f"from {iso(before)}: {_as_of(old)}")
    out.print(f"to   {iso(after)}: {_as_of(new)}")
    lines: list[str] = []
    if old.present != new.present:
        lines.append("appeared" if new.present else "disappeared (deleted)")
    if changes["name"]:
        lines.append(f"name: {changes['name']['before']} -> {changes['name']['after']}")
    attributes = changes["attributes"]
    lines += [f"+ {path} = {json.dumps(v)}" for path, v in attributes["added"].items()]
    lines += [f"- {path} = {json.dumps(v)}" for path, v in attributes["removed"].items()]
    lines += [
        f"~ {path}: {json.dumps(v['before'])} -> {json.dumps(v['after'])}"
        for path, v in attributes["changed"].items()
    ]
    if changes["raw_changed"] and old.present and new.present:
        lines.append("raw answer changed (--raw --format json shows both)")
    for verdict in changes["results"]:
        was, now = verdict["before"], verdict["after"]
        lines.append(
            f"verdict {verdict['control']}: {was['status'] if was else 'none'} -> "
            f"{now['status'] if now else 'none'}" + (f" ({now['reason']})" if now else "")
        )
    for line in lines or ["no change"]:
        out.print(f"  {escape(line)}")
