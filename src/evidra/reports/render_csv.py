"""CSV (RFC 4180, UTF-8, a header row) of the package's tables."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # DictWriter's per-row checks cost a year's rows
    writer.writerow(columns)
    writer.writerows([["" if row.get(name) is None else row[name] for name in columns] for row in rows])
    return buffer.getvalue().encode()


def csv_chunks(columns: Sequence[str], rows: Iterable[Sequence[Any]], batch: int = 5000) -> Iterator[bytes]:
    """The same CSV from rows given as values in `columns`' order (None is written
    empty, as csv does), in pieces of `batch` rows: a year's table is never held whole."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    remaining = iter(rows)
    while True:
        chunk = list(islice(remaining, batch))
        writer.writerows(chunk)
        yield buffer.getvalue().encode()
        if len(chunk) < batch:
            return
        buffer.seek(0)
        buffer.truncate()
