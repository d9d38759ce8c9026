"""The half-year evidence package the package tests read (built from the `history` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from evidra.controls.catalog import select
from evidra.evidence_store.store import EvidenceStore
from evidra.reports import signing
from evidra.reports.package import build
from evidra.reports.period import Period

NOW = datetime(2026, 7, 1, tzinfo=UTC)
H1 = Period.parse("2026-01-01..2026-06-30")


def build_package(history: EvidenceStore, signing_key: Path, folder: Path) -> Path:
    history.add_manual_evidence(
        "vuln.pentest_annual", "pentest.pdf", b"%PDF-1.7 pentest", added_by="alice", period=(H1.start, H1.end)
    )
    target = folder / "acme-2026H1.zip"
    build(history, H1, select(None), signing.load_key(signing_key), target, now=NOW)
    return target
