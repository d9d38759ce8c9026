"""Append-only sequences that spill to disk, so a run's size is not bounded by memory.

A run over 50,000 Okta users or a few hundred AWS accounts produces hundreds of
thousands of observations and results. Each is needed once or twice in order
(evaluated, stored, counted), never at random, so a `Spool` keeps one chunk in
memory and writes full chunks to a private temporary file; iterating reads them back
a chunk at a time. Small runs (most of them, and every unit test) never touch disk.

The file holds pickles that only this process wrote and reads (created 0600 by
mkstemp, unlinked at once), so unpickling it trusts nothing from outside.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar, overload

T = TypeVar("T")

CHUNK = 1024  # items held in memory before a chunk is written out


class Spool(Generic[T]):
    def __init__(self, items: Iterable[T] = (), *, chunk: int | None = None) -> None:
        self._chunk = chunk or CHUNK
        self._buffer: list[T] = []
        self._fd: int | None = None
        self._chunks: list[tuple[int, int, int]] = []  # (offset, bytes, items) of each chunk on disk
        self._size = 0  # bytes in the file
        self._spilled = 0  # items in the file
        self._lock = threading.Lock()  # a reader may iterate while a collector appends
        self.extend(items)

    # -- writing ---------------------------------------------------------------------

    def append(self, item: T) -> None:
        with self._lock:
            self._buffer.append(item)
            if len(self._buffer) >= self._chunk:
                self._spill()

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.append(item)

    def _spill(self) -> None:
        if self._fd is None:
            self._fd, path = tempfile.mkstemp(prefix="evidra-spool-")
            os.unlink(path)  # nothing to clean up, whatever happens to this process
        data = pickle.dumps(self._buffer, protocol=pickle.HIGHEST_PROTOCOL)
        written = 0
        while written < len(data):  # positional writes: readers never move an offset
            written += os.pwrite(self._fd, data[written:], self._size + written)
        self._chunks.append((self._size, len(data), len(self._buffer)))
        self._size += len(data)
        self._spilled += len(self._buffer)
        self._buffer = []

    # -- reading ---------------------------------------------------------------------

    def __len__(self) -> int:
        return self._spilled + len(self._buffer)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[T]:
        """Everything appended before iteration began, in order."""
        with self._lock:
            chunks, buffered, fd = list(self._chunks), list(self._buffer), self._fd
        for offset, length, _ in chunks:
            assert fd is not None
            data = os.pread(fd, length, offset)
            chunk: list[T] = pickle.loads(data)  # noqa: S301 - our own private file (module doc)
            yield from chunk
        yield from buffered

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        """Positional access reads through the spool: fine for tests and small runs."""
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Spool | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Spool({len(self)} items, {self._spilled} on disk)"

    def __reduce__(self) -> tuple[type[Spool[T]], tuple[list[T]]]:
        """Pickled (or copied) as its items: the file is private to this process."""
        return (type(self), (list(self),))

    @property
    def bytes_on_disk(self) -> int:
        return self._size

    def close(self) -> None:
        """Drop everything now rather than when the spool is collected."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._buffer, self._chunks, self._size, self._spilled = [], [], 0, 0

    clear = close

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)


class BodySpool(Mapping[str, bytes]):
    """Content-addressed bodies (a run's snapshots) kept in a private temporary file,
    with only their keys and positions in memory; bodies read back on demand. Bodies
    are written a buffer at a time (at most TAIL bytes held): one write per body was
    a twentieth of storing an unchanged run, whose bodies are never read back."""

    TAIL = 1 << 20

    def __init__(self) -> None:
        self._fd: int | None = None
        self._index: dict[str, tuple[int, int]] = {}  # key -> (offset, length)
        self._size = 0
        self._tail = bytearray()  # the last bodies, not written yet
        self._tail_at = 0  # where the tail goes in the file

    def setdefault(self, key: str, body: bytes) -> bytes:
        if key not in self._index:
            self._index[key] = (self._size, len(body))
            self._tail += body
            self._size += len(body)
            if len(self._tail) >= self.TAIL:
                self._flush()
        return body

    def _flush(self) -> None:
        if self._fd is None:
            self._fd, path = tempfile.mkstemp(prefix="evidra-bodies-")
            os.unlink(path)
        data = memoryview(self._tail)
        written = 0
        while written < len(data):
            written += os.pwrite(self._fd, data[written:], self._tail_at + written)
        self._tail_at = self._size
        self._tail = bytearray()

    @property
    def bytes_on_disk(self) -> int:
        return self._tail_at

    def __getitem__(self, key: str) -> bytes:
        offset, length = self._index[key]
        if offset >= self._tail_at:
            return bytes(self._tail[offset - self._tail_at : offset - self._tail_at + length])
        assert self._fd is not None
        return os.pread(self._fd, length, offset)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def only(self, keys: Iterable[str]) -> Subset:
        """A view of the bodies under `keys` (those present), read on demand."""
        return Subset(self, [key for key in keys if key in self._index])

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)


class Subset(Mapping[str, bytes]):
    def __init__(self, source: Mapping[str, bytes], keys: list[str]) -> None:
        self._source = source
        self._keys = keys
        self._set = frozenset(keys)

    def __getitem__(self, key: str) -> bytes:
        if key not in self._set:
            raise KeyError(key)
        return self._source[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
