"""Finding a change's ticket reference in its title, branch name or body."""

from __future__ import annotations

import re

MAX_TEXT = 65536  # a body is searched in its first 64 KiB: outside text is parsed with limits


def find_ticket(pattern: re.Pattern[str], *texts: object) -> str | None:
    """The first reference `pattern` finds, searching the texts in order."""
    for text in texts:
        if isinstance(text, str) and text:
            match = pattern.search(text[:MAX_TEXT])
            if match:
                return match.group(0)[:200]
    return None
