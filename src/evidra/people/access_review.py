"""User access reviews as evidence (contract: DESIGN.md, "access reviews").

`start` lists, from the latest evidence, every enabled account of the systems in scope
with its privileges, owner (the people view's match against HR's roster) and last use,
and writes it as a sheet (xlsx or csv) with two columns for the reviewer: `decision`
(keep, revoke, change) and `comment`. The sheet carries its own digest: row 1 holds the
review's id, period, scopes, time and the SHA-256 over every row's cells outside those
two columns; each row carries `row_digest`, the first 16 hex digits of its own. So
`record` refuses a sheet whose rows were added, removed or altered outside the decision
columns, and names the row.

`record` keeps the decided review as manual evidence of `ac.access_review.cadence` (and
of `.privileged` when it covers privileged accounts): a JSON document with every row,
decision, reviewer and time, beside the sheet itself. Later runs read the reviews back
(`load_reviews`) to check every `revoke` was carried out (`review_checks.py`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidra.model import iso

if TYPE_CHECKING:
    from evidra.evidence_store.manual import ManualEvidence

MARKER = "evidra_access_review"
SCHEMA = "evidra.access_review/v1"
COLUMNS = (
    "row",
    "provider",
    "scope",
    "account_id",
    "account",
    "owner",
    "owner_status",
    "privileged",
    "admin_roles",
    "last_activity",
    "row_digest",
    "decision",
    "comment",
)
DECISION_COLUMNS = ("decision", "comment")
DECISIONS = ("keep", "revoke", "change")
MAX_ROWS = 500_000


class ReviewFileError(Exception):
    """The file cannot be recorded; the message says which row and why."""


@dataclass
class Review:
    id: str
    period: str
    scopes: list[str]
    started_at: str
    started_by: str | None
    rows: list[dict[str, str]] = field(default_factory=list)

    def meta(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "period": self.period,
            "scopes": self.scopes,
            "started_at": self.started_at,
            "started_by": self.started_by,
        }


# What `start` reads of the estate: a caller asks `state_at` for these types only.
TYPES = ("people.account", "identity.user")


def start(state: Any, scopes: list[str], period: str, reviewer: str | None, now: datetime) -> Review:
    """The review's rows from an `EstateState` (the latest evidence)."""
    owners: dict[str, dict[str, Any]] = {}
    for resource in state.resources:
        if resource.present and resource.type == "people.account":
            owners[str(resource.attributes.get("account_ref"))] = resource.attributes
    review = Review(str(uuid.uuid4()), period, scopes, iso(now) or "", reviewer)
    for resource in state.resources:
        if not resource.present or resource.type != "identity.user" or resource.provider == "people":
            continue
        if scopes and not any(_in_scope(resource.provider, resource.scope, s) for s in scopes):
            continue
        attributes = resource.attributes
        if attributes.get("disabled") or attributes.get("kind") == "root":
            continue
        owner = owners.get(f"{resource.provider}|{resource.scope}|{resource.id}", {})
        row = {
            "row": str(len(review.rows) + 1),
            "provider": resource.provider,
            "scope": resource.scope,
            "account_id": resource.id,
            "account": str(attributes.get("name") or resource.name or resource.id),
            "owner": str(owner.get("owner") or ""),
            "owner_status": str(owner.get("owner_status") or "unknown"),
            "privileged": "yes" if attributes.get("privileged") else "no",
            "admin_roles": ", ".join(str(r) for r in attributes.get("admin_roles") or []),
            "last_activity": str(attributes.get("last_activity") or ""),
        }
        row["row_digest"] = row_digest(row)
        row["decision"] = ""
        row["comment"] = ""
        review.rows.append(row)
    review.rows.sort(key=lambda r: (r["provider"], r["scope"], r["account"]))
    for number, row in enumerate(review.rows, start=1):  # numbered in the order shown
        row["row"] = str(number)
        row["row_digest"] = row_digest(row)
    return review


def _in_scope(provider: str, scope: str, wanted: str) -> bool:
    return wanted in (provider, scope) or scope.startswith(wanted + ":") or scope.startswith(wanted + "/")


def row_digest(row: dict[str, str]) -> str:
    cells = {c: str(row.get(c, "")) for c in COLUMNS if c not in (*DECISION_COLUMNS, "row_digest")}
    return hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()[:16]


def file_digest(meta: dict[str, Any], rows: list[dict[str, str]]) -> str:
    body = json.dumps({"meta": meta, "rows": [row_digest(r) for r in rows]}, sort_keys=True)
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


# -- the sheet --


def _meta_cells(review: Review) -> list[str]:
    meta = review.meta()
    return [MARKER, json.dumps(meta, sort_keys=True), file_digest(meta, review.rows)]


def write(review: Review, path: Path) -> None:
    table = [_meta_cells(review), list(COLUMNS), *[[r[c] for c in COLUMNS] for r in review.rows]]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.worksheet.datavalidation import DataValidation

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "access review"
        for line in table:
            sheet.append(line)
        decisions = DataValidation(type="list", formula1=f'"{",".join(DECISIONS)}"', allow_blank=True)
        column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[COLUMNS.index("decision")]
        decisions.add(f"{column}3:{column}{len(table)}")
        sheet.add_data_validation(decisions)
        sheet.freeze_panes = "A3"
        book.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(table)


def read(path: Path) -> tuple[dict[str, Any], str, list[dict[str, str]]]:
    """The review's metadata, the digest it carries and its rows, as the file holds them."""
    try:
        if path.suffix.lower() == ".xlsx":
            table = _xlsx_table(path)
        else:
            text = path.read_text(encoding="utf-8-sig")
            table = list(csv.reader(io.StringIO(text, newline="")))
    except OSError as exc:
        raise ReviewFileError(f"{path} cannot be read ({exc.strerror})") from None
    except Exception as exc:  # a file that is no workbook
        raise ReviewFileError(f"{path} is not a readable {path.suffix} file ({type(exc).__name__})") from None
    if len(table) < 2 or not table[0] or table[0][0] != MARKER or len(table[0]) < 3:
        raise ReviewFileError(
            f"{path}: row 1 is not an evidra access review header (was it exported by evidra?)"
        )
    if len(table) > MAX_ROWS:
        raise ReviewFileError(f"{path}: more than {MAX_ROWS} rows")
    try:
        meta = json.loads(table[0][1])
    except ValueError:
        raise ReviewFileError(f"{path}: row 1 was altered (its metadata is not the exported JSON)") from None
    header = [c.strip() for c in table[1]]
    if tuple(header[: len(COLUMNS)]) != COLUMNS:
        raise ReviewFileError(f"{path}: row 2 must be the exported header {', '.join(COLUMNS)}")
    rows = []
    for line in table[2:]:
        if not any(cell.strip() for cell in line):
            continue
        cells = [*line, *[""] * len(COLUMNS)][: len(COLUMNS)]
        rows.append(dict(zip(COLUMNS, cells, strict=True)))
    return meta, table[0][2], rows


def _xlsx_table(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return table


def verify(path: Path, meta: dict[str, Any], carried: str, rows: list[dict[str, str]]) -> None:
    """Refuse rows added, removed or altered outside the decision columns, naming them."""
    for line, row in enumerate(rows, start=3):
        if row_digest(row) != row["row_digest"].strip():
            raise ReviewFileError(
                f"{path} line {line} (row {row['row'] or '?'}): altered outside the decision columns, "
                "or added; only `decision` and `comment` may be changed"
            )
    if file_digest(meta, rows) != carried.strip():
        raise ReviewFileError(
            f"{path}: rows were removed, reordered or duplicated, or row 1 was altered "
            f"({len(rows)} rows now); only `decision` and `comment` may be changed"
        )
    for line, row in enumerate(rows, start=3):
        decision = row["decision"].strip().lower()
        if decision not in DECISIONS:
            shown = f"{decision[:20]!r}" if decision else "no decision"
            raise ReviewFileError(
                f"{path} line {line} (row {row['row']}): {shown}; decide {', '.join(DECISIONS)}"
            )


def decided_document(
    meta: dict[str, Any], digest: str, rows: list[dict[str, str]], reviewer: str, recorded_at: datetime
) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "review": meta,
        "file_digest": digest,
        "reviewer": reviewer,
        "recorded_at": iso(recorded_at),
        "rows": [
            {
                **{c: row[c] for c in COLUMNS if c != "comment"},
                "decision": row["decision"].strip().lower(),
                "comment": row["comment"].strip()[:2000],
            }
            for row in rows
        ],
    }


def load_reviews(manual: ManualEvidence) -> list[dict[str, Any]]:
    """Every recorded review in the store's manual evidence, oldest first (each once,
    however many requirements it was filed under)."""
    reviews: dict[str, dict[str, Any]] = {}
    for item in manual.items():
        if not item.file_name.startswith("access-review-") or not item.file_name.endswith(".json"):
            continue
        try:
            document = json.loads(manual.file(item.file))
        except (ValueError, KeyError, OSError):
            continue
        if isinstance(document, dict) and document.get("schema") == SCHEMA:
            reviews.setdefault(str(document["review"]["id"]), document)
    return sorted(reviews.values(), key=lambda d: str(d.get("recorded_at")))
