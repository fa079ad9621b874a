"""Text from files and file names as a terminal or a CI log may show it: control characters escaped.

A source line or a path comes from the project under check, which a hostile pull request writes:
raw escape sequences would drive the reader's terminal, a line break inside a path would start a
line of its own (`::error file=…` is a command to GitHub Actions), and bidirectional controls
would make the line read differently from what the tool saw.
"""

from __future__ import annotations

import unicodedata

# Line and paragraph separators, and the bidirectional embeddings, overrides and isolates.
_INVISIBLE = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Escape every control character but the tab, and the invisible direction and line controls."""
    if text.isprintable() and not _INVISIBLE.intersection(text):
        return text
    return "".join(
        _escape(char) if char != "\t" and (char in _INVISIBLE or unicodedata.category(char) == "Cc") else char
        for char in text
    )
