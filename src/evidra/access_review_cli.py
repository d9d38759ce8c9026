"""`evidra access-review start` and `record` (contract: DESIGN.md, "access reviews").
Thin, like the rest of the command line: evidra.people.access_review does the work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

access_review_app = typer.Typer(
    help="User access reviews: export the accounts to review, record the decisions.", no_args_is_help=True
)

ScopeOption = Annotated[
    list[str] | None,
    typer.Option("--scope", help="a provider (okta) or scope (aws:123456789012) to review; repeatable"),
]
ReviewerOption = Annotated[str | None, typer.Option("--reviewer", help="the reviewer's email")]
ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="config file")]
DatabaseOption = Annotated[
    str | None, typer.Option("--database", help="database URL, instead of the config's")
]


def _period_text(period: str | None) -> str:
    from datetime import date

    from evidra.cli import _fail
    from evidra.reports.period import Period, PeriodError

    if period is None:
        today = date.today()
        return f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    if len(period) == 7 and period[4:6] == "-Q" and period[:4].isdigit() and period[6] in "1234":
        return period
    try:
        return str(Period.parse(period))
    except PeriodError as exc:
        _fail(str(exc))


@access_review_app.command("start")
def start(
    output: Annotated[Path, typer.Option("--output", "-o", help="the sheet to write: FILE.xlsx or FILE.csv")],
    scope: ScopeOption = None,
    reviewer: ReviewerOption = None,
    period: Annotated[str | None, typer.Option("--period", help="2026-Q4, or START..END")] = None,
    config: ConfigOption = None,
    database: DatabaseOption = None,
) -> None:
    """Every enabled account of the systems in scope, from the latest evidence, to review."""
    from evidra.cli import EXIT_BAD_INPUT, _fail, _open_store, out
    from evidra.model import utcnow
    from evidra.people import access_review

    if output.suffix.lower() not in (".xlsx", ".csv"):
        _fail(f"-o {output}: write FILE.xlsx or FILE.csv", EXIT_BAD_INPUT)
    label = _period_text(period)
    now = utcnow()
    with _open_store(config, database) as store:
        state = store.pointintime.state_at(now, types=access_review.TYPES)
    if state.run_id is None:
        _fail("no run is stored yet: run `evidra collect` first")
    review = access_review.start(state, list(scope or []), label, reviewer, now)
    if not review.rows:
        _fail(f"no enabled account in scope {', '.join(scope or []) or '(all)'} in the latest evidence")
    try:
        access_review.write(review, output)
    except OSError as exc:
        _fail(f"-o {output}: {exc.strerror}")
    out.print(
        f"review {review.id}: {len(review.rows)} accounts written to {output}; fill `decision` "
        f"({', '.join(access_review.DECISIONS)}) and `comment`, then `evidra access-review record {output}`",
        markup=False,
        soft_wrap=True,
    )


@access_review_app.command("record")
def record(
    file: Annotated[Path, typer.Argument(help="the decided sheet")],
    reviewer: ReviewerOption = None,
    config: ConfigOption = None,
    database: DatabaseOption = None,
) -> None:
    """Import the decisions, refusing a sheet altered outside its decision columns, and keep
    them as evidence (with the reviewer and the time) of the access-review requirements."""
    import getpass
    import json
    from datetime import date

    from evidra.cli import EXIT_INTERNAL, _fail, _open_store, out
    from evidra.model import utcnow
    from evidra.people import access_review

    try:
        meta, digest, rows = access_review.read(file)
        access_review.verify(file, meta, digest, rows)
    except access_review.ReviewFileError as exc:
        _fail(str(exc))
    who = reviewer or meta.get("started_by") or getpass.getuser()
    now = utcnow()
    document = access_review.decided_document(meta, digest, rows, who, now)
    body = json.dumps(document, sort_keys=True, indent=1).encode()
    privileged = any(r["privileged"] == "yes" for r in rows)
    today = now.date()
    with _open_store(config, database) as store:
        if any(r["review"]["id"] == meta.get("id") for r in access_review.load_reviews(store.manual)):
            _fail(f"review {meta.get('id')} is already recorded")
        try:
            for requirement in [
                "ac.access_review.cadence",
                *(["ac.access_review.privileged"] if privileged else []),
            ]:
                store.manual.add(
                    requirement,
                    f"access-review-{meta['id']}.json",
                    body,
                    added_by=who,
                    note=f"access review {meta.get('period')}: {len(rows)} decisions by {who}",
                    period=(date(today.year, 1, 1), today),
                    added_at=now,
                )
            store.manual.add(
                "ac.access_review.cadence",
                f"access-review-{meta['id']}{file.suffix.lower()}",
                file.read_bytes(),
                added_by=who,
                note="the decided sheet as the reviewer returned it",
                period=(date(today.year, 1, 1), today),
                added_at=now,
            )
        except Exception as exc:
            _fail(str(exc), EXIT_INTERNAL)
    counts = {d: sum(r["decision"] == d for r in document["rows"]) for d in access_review.DECISIONS}
    out.print(
        f"review {meta['id']} recorded by {who}: "
        + ", ".join(f"{n} {d}" for d, n in counts.items())
        + "; later runs check every revoke was carried out",
        markup=False,
        soft_wrap=True,
    )
