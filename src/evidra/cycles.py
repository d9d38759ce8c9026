"""Bulk work without Python's cycle collector.

Storing a run, analysing a period, writing a package and making its proofs each build
millions of short-lived or long-held containers that form no reference cycles
(rows, spans, documents to hash): refcounting frees them. Each full pass of the cycle
collector that they trigger walks the whole heap instead: measured at a sixth to a third
of those steps' time on the 100,000-finding year (bench/README.md). Memory stays what it
is; the collector resumes afterwards if it was running (a caller that paused it keeps it
paused). It is process-wide: another thread's cycles wait until then.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
