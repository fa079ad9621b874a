"""One scanner per kind of file; each is a pure function `(path, text, ruleset) -> Lexed`."""
from __future__ import annotations

from ..filekinds import PYTHON
from .base import Hit, Lexed, Scanner
from .plaintext import scan_plain_text
from .python import scan_python

SCANNERS: dict[str, Scanner] = {
    PYTHON: scan_python,
}


def scanner_for(file_kind: str) -> Scanner:
    """Return the scanner for a file kind; text no lexer knows is scanned as plain text."""
    return SCANNERS.get(file_kind, scan_plain_text)


__all__ = ["Hit", "Lexed", "SCANNERS", "Scanner", "scanner_for"]
