"""Text from outside (cloud names, notes, file and zip entry names, error messages)
shown literally on a terminal: never read as Rich markup (`[/]` crashed the table,
`[link=...]` hid a hyperlink), and with every control character escaped, so that an
escape sequence in a name cannot move the cursor, retitle the window or hide a line.

C0 and C1 controls, DEL, Unicode line separators and the bidirectional overrides
(which reorder what a reader sees) are written as Python escapes: `\\x1b`, `\\u202e`.
"""

from __future__ import annotations

import re

from rich.markup import escape
from rich.text import Text

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# What JSON leaves raw with ensure_ascii=False: everything above but C0 (always escaped).
_JSON_RAW = re.compile("[\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape_char(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def shown(text: object, *, lines: bool = False) -> str:
    """`text` with its control characters escaped; `lines=True` keeps line breaks (a
    message of several lines), everything else is escaped."""
    string = str(text)
    if lines:
        return _CONTROL.sub(lambda m: m.group() if m.group() == "\n" else _escape_char(m.group()), string)
    return _CONTROL.sub(lambda m: _escape_char(m.group()), string)


def literal(text: object, style: str = "") -> Text:
    """A renderable that Rich prints as it is (a `str` cell would be parsed as markup)."""
    return Text(shown(text), style=style)


def markup_safe(text: object, *, lines: bool = False) -> str:
    """`text` to put inside a markup string of ours: escaped for Rich and the terminal."""
    return escape(shown(text, lines=lines))


def json_safe(document: str) -> str:
    """JSON text written with ensure_ascii=False, its remaining controls (C1, DEL,
    bidirectional overrides) written as \\u escapes: the same JSON value, inert on a terminal."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
