"""The progress display: a bar on stderr for people at a terminal, nothing otherwise."""

from __future__ import annotations

import io
import re
from typing import Any

from rich.console import Console

from evidra.cli import ProgressDisplay, _progress_printer
from evidra.collectors.aws.collector import AwsCollector
from evidra.collectors.aws.registry import READERS
from evidra.config.settings import AwsSettings


def test_the_bar_counts_every_planned_unit(moto_reset: Any) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=160, color_system=None)
    with ProgressDisplay(console) as display:
        collection = AwsCollector(AwsSettings(regions=["eu-west-1"])).collect(progress=display)

    # Every unit was announced before it ran and reported when done: the bar ends
    # full, on the number of units actually read.
    drawn = screen.getvalue()
    units = len(collection.scopes)
    assert units == len(READERS.all())  # the global readers, and the regional ones in eu-west-1
    assert f"{units}/{units}" in drawn
    assert "collecting" in drawn
    assert not re.search(rf"\b{units + 1}/", drawn)


def test_silent_without_a_terminal() -> None:
    # Under pytest stderr is captured, not a terminal: no display at all.
    assert _progress_printer(True) is None
    assert _progress_printer(False) is None
