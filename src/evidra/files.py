"""Reading a file an operator names, without being led elsewhere: a symbolic link is
refused unless asked for (it could point at /etc/shadow), and anything but a regular
file is refused at once (a FIFO or a device would block, or never end)."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegularFile(OSError):
    """The path is a link (not followed) or not a regular file. The message says which."""


def open_regular(path: Path, *, follow_symlinks: bool = False) -> int:
    """A descriptor open for reading on `path`, a regular file; the caller closes it."""
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        if not follow_symlinks and path.is_symlink():
            raise NotRegularFile("is a symbolic link (--follow-symlinks reads what it points to)") from None
        raise exc
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        kind = (
            "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
        )
        raise NotRegularFile(f"is {kind}, not a regular file")
    return descriptor


def read_regular_file(path: Path, *, follow_symlinks: bool = False) -> bytes:
    with os.fdopen(open_regular(path, follow_symlinks=follow_symlinks), "rb") as handle:
        return handle.read()
