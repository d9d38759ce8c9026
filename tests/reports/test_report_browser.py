"""index.html as an auditor sees it: opened from the unpacked package in headless
Chromium (Debian's package, driven by Playwright without a downloaded browser), with
every request recorded: a self-contained page asks for nothing but itself."""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from evidra.controls.catalog import select
from evidra.evidence_store.store import EvidenceStore
from evidra.reports import signing
from evidra.reports.package import build
from evidra.reports.period import Period
from tests.reports.conftest import HISTORY_CONTROLS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Skipped on a workstation without it; in CI (which installs it) a missing browser fails.
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (.ci/run installs it)",
)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/evidra.db"


def test_index_renders_controls_and_charts_without_console_errors(
    history: EvidenceStore, signing_key: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    target = tmp_path / "package.zip"
    key = signing.load_key(signing_key)
    build(
        history,
        Period.parse("2026-01-01..2026-06-30"),
        select(None),
        key,
        target,
        now=datetime(2026, 7, 1, tzinfo=UTC),
    )
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(target) as archive:
        archive.extractall(folder)

    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto((folder / "index.html").as_uri())
            sections = page.locator("section.control")
            charts = page.locator("section.control svg.chart")
            assert sections.count() == len(select(None))
            assert charts.count() == len(select(None))
            for control in HISTORY_CONTROLS:
                section = page.locator(f"section#{control}")
                assert section.is_visible()
                band = section.locator("svg.chart polygon.band")
                assert band.count() >= 1
                box = band.first.bounding_box()
                assert box is not None and box["width"] > 100  # drawn across the runs
            # pass, excepted, fail and not readable are bands of their own: a read failure
            # is never drawn as a failure
            bands = page.locator("section#bucket-encryption svg.chart polygon.band")
            assert sorted(bands.evaluate_all("els => els.map(e => e.classList[1])")) == [
                "error",
                "excepted",
                "fail",
                "pass",
            ]
            gap_marks = page.locator("section#bucket-encryption svg.chart line.gap")
            assert gap_marks.count() == 1
            assert "acme-logs" in page.locator("section#bucket-encryption").inner_text()
            assert page.locator("#coverage + p").inner_text().startswith("132 requirements")
        finally:
            browser.close()

    assert problems == []
    assert all(url.startswith("file://") for url in requests), requests


def test_printing_keeps_every_column(history: EvidenceStore, signing_key: Path, tmp_path: Path) -> None:
    """Printed to PDF (A4 landscape), no table is wider than the page: every column is on
    paper, not cut off at the right edge as a scrolling table would be."""
    from playwright.sync_api import sync_playwright

    target = tmp_path / "package"
    build(
        history,
        Period.parse("2026-01-01..2026-06-30"),
        select(HISTORY_CONTROLS),
        signing.load_key(signing_key),
        target,
        now=datetime(2026, 7, 1, tzinfo=UTC),
        as_folder=True,
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(
                viewport={"width": 1050, "height": 740}
            )  # A4 landscape at 96 dpi, less margins
            page.goto((target / "index.html").as_uri())
            on_screen = page.locator("table").evaluate_all("ts => ts.map(t => t.scrollWidth - t.clientWidth)")
            page.emulate_media(media="print")
            widths = page.locator("table").evaluate_all(
                """tables => tables.map(t => ({
                    columns: t.querySelectorAll('thead th').length,
                    right: Math.max(...[...t.querySelectorAll('th')]
                        .map(th => th.getBoundingClientRect().right)),
                    overflow: t.scrollWidth - t.clientWidth,
                }))"""
            )
            page_width = page.evaluate("document.documentElement.clientWidth")
            pdf = page.pdf(format="A4", landscape=True, print_background=True)
        finally:
            browser.close()
    assert max(on_screen) > 1  # on screen the widest tables scroll: print must not cut them
    assert widths and max(w["columns"] for w in widths) >= 17  # the widest: exception windows
    assert all(w["right"] <= page_width + 1 and w["overflow"] <= 1 for w in widths), widths
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
